/**
 * Request bodies the way Dropbox Sign accepts them (reference §3.7): the SDK sends JSON without
 * files and multipart/form-data with files (`files[0]`, … and JSON-encoded `signers`,
 * `cc_email_addresses`, `metadata`); curl users send form fields with brackets (`signers[0][name]`).
 */
import { readJson, type SandboxRequest } from '../lib/http';
import { parseMultipart } from '../lib/multipart';
import { badRequest } from './sign-errors';

export type UploadedFile = { name: string; contentType: string; data: Buffer };
export type Params = { fields: Record<string, unknown>; files: UploadedFile[] };

export function readParams(req: Pick<SandboxRequest, 'body' | 'headers'>): Params {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!req.body.length) return { fields: {}, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const parts = parseMultipart(req.body, req.headers['content-type']);
    if (!parts) throw badRequest('Malformed multipart body.');
    const flat: [string, string][] = [];
    const files: UploadedFile[] = [];
    for (const part of parts) {
      if (part.fileName !== null && /^files?(\[\d*\])?$/.test(part.name)) files.push({ name: part.fileName || 'document.pdf', contentType: part.contentType, data: part.data });
      else flat.push([part.name, part.data.toString('utf8')]);
    }
    return { fields: expandBrackets(flat), files };
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { fields: expandBrackets([...new URLSearchParams(req.body.toString('utf8')).entries()]), files: [] };
  }
  let parsed: unknown;
  try {
    parsed = readJson(req);
  } catch {
    throw badRequest('Malformed JSON body.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('The request body must be an object.');
  return { fields: parsed as Record<string, unknown>, files: [] };
}

/** `a[0][b]=x` → { a: [{ b: 'x' }] }; values that are JSON objects/arrays (SDK multipart) are decoded. */
function expandBrackets(entries: [string, string][]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, raw] of entries) {
    const path = key.replace(/\]/g, '').split('[');
    let value: unknown = raw;
    if (/^\s*[[{]/.test(raw)) {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    let node: Record<string, unknown> = root;
    path.forEach((segment, i) => {
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (i === path.length - 1) node[name] = value;
      else node = (node[name] ??= {}) as Record<string, unknown>;
    });
  }
  return arrayify(root) as Record<string, unknown>;
}

/** Objects whose keys are all numeric (`signers[0]`, `signers[1]`) become arrays in index order. */
function arrayify(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, arrayify(v)] as const);
  if (entries.length && entries.every(([k]) => /^\d+$/.test(k))) return entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => v);
  return Object.fromEntries(entries);
}

export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
export const asBool = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 'true';
export function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') return Object.values(value);
  if (typeof value === 'string' && value) return [value];
  return [];
}
