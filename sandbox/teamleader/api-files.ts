/**
 * files.list / files.info / files.download / files.upload / files.delete (reference §4.6) and the signed
 * transfer host (files.teamleader.eu in production) that receives upload bodies and serves downloads.
 * Uploads are two-step: files.upload answers a temporary `location`, and the raw bytes (not form-data) are
 * POSTed (or PUT) there. Meetings, products and legacy projects can be listed but not uploaded to. A file has
 * a one-level `folder`; there is no rename or content replace, and no `file.*` webhook exists.
 * deals.info, products.info, meetings.info, projects.info and projects-v2/projects.info answer the minimal
 * record shapes the app needs to name record folders.
 */
import { randomBytes } from 'node:crypto';
import { json, type Router, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import { dataResponse, emptyResponse, objectField, pageMeta, paginate, parseIncludes, parsePage, type ApiCall, type Endpoint } from './api-support';
import { badRequest, notFound } from './errors';
import { formatTimestamp, randomId } from './ids';
import type { TeamleaderStore } from './store';
import type { FileRecord, SubjectType } from './types';

/** TL-APIB + MCore SDK: where files.upload may attach a file. */
export const UPLOAD_SUBJECT_TYPES = ['company', 'contact', 'deal', 'invoice', 'creditNote', 'nextgenProject', 'ticket'] as const;
/** files.list additionally accepts meetings, products and legacy projects (read-only subjects). */
export const LIST_SUBJECT_TYPES = [...UPLOAD_SUBJECT_TYPES, 'meeting', 'product', 'project'] as const;

const TRANSFER_TTL_MS = 60 * 60 * 1000;
const DEFAULT_FOLDER = 'General';

const MIME_BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain', md: 'text/markdown', csv: 'text/csv', pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg',
  gif: 'image/gif', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', doc: 'application/msword',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', xls: 'application/vnd.ms-excel', zip: 'application/zip', json: 'application/json',
};

export const mimeFor = (name: string) => MIME_BY_EXTENSION[/\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';

export function serializeFile(file: FileRecord) {
  return {
    id: file.id,
    subject: { ...file.subject },
    name: file.name,
    mime_type: file.mime_type,
    size: file.size,
    updated_at: file.updated_at,
    uploaded_by: file.uploaded_by ? { type: 'user', id: file.uploaded_by } : null,
    folder: file.folder,
  };
}

function parseSubject(value: unknown, field: string, allowed: readonly string[]): { type: string; id: string } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badRequest(`${field} is required`);
  const { type, id } = value as { type?: unknown; id?: unknown };
  if (typeof type !== 'string' || !allowed.includes(type)) throw badRequest(`${field}.type must be one of: ${allowed.join(', ')}`);
  if (typeof id !== 'string' || !id) throw badRequest(`${field}.id is required`);
  return { type, id };
}

/** The record behind a subject, or 400 (Teamleader answers unknown references with 400). */
export function subjectName(store: TeamleaderStore, accountId: string, subject: { type: string; id: string }): string | null {
  if (subject.type === 'contact') {
    const c = store.getContact(accountId, subject.id);
    return c ? [c.first_name, c.last_name].filter(Boolean).join(' ') : null;
  }
  if (subject.type === 'company') return store.getCompany(accountId, subject.id)?.name ?? null;
  const other = store.state.otherRecords[subject.id];
  return other && other.account_id === accountId && other.type === subject.type ? other.name : null;
}

function requireSubject(store: TeamleaderStore, accountId: string, subject: { type: string; id: string }): void {
  if (subjectName(store, accountId, subject) === null) throw badRequest(`${subject.type} ${subject.id} does not exist`);
}

function requireFile(call: ApiCall): FileRecord {
  const id = call.body.id;
  if (typeof id !== 'string' || !id) throw badRequest('id is required');
  const file = call.store.state.files[id];
  if (!file || file.account_id !== call.accountId) throw notFound(`File ${id} not found`);
  return file;
}

function newTransferToken(): string {
  return randomBytes(24).toString('base64url');
}

const otherInfo = (type: SubjectType, titleKey: 'title' | 'name'): Endpoint => ({ body, accountId, store }) => {
  const id = body.id;
  if (typeof id !== 'string' || !id) throw badRequest('id is required');
  const record = store.state.otherRecords[id];
  if (!record || record.account_id !== accountId || record.type !== type) throw notFound(`${type} ${id} not found`);
  return dataResponse({ id: record.id, [titleKey]: record.name, created_at: record.added_at, updated_at: record.updated_at });
};

export function fileEndpoints(transferBase: () => string): Record<string, Endpoint> {
  return {
    'files.list': ({ body, accountId, store }) => {
      const filter = objectField(body, 'filter');
      const subject = parseSubject(filter.subject, 'filter.subject', LIST_SUBJECT_TYPES);
      requireSubject(store, accountId, subject);
      const page = parsePage(body);
      const includes = parseIncludes(body);
      const sort = Array.isArray(body.sort) ? (body.sort as { field?: string; order?: string }[]) : [{ field: 'updated_at', order: 'desc' }];
      for (const s of sort) if (s.field !== 'updated_at') throw badRequest('sort.field must be updated_at');
      const sign = sort[0]?.order === 'asc' ? 1 : -1;
      const matches = Object.values(store.state.files)
        .filter((f) => f.account_id === accountId && f.subject.type === subject.type && f.subject.id === subject.id)
        .sort((a, b) => sign * (Date.parse(a.updated_at) - Date.parse(b.updated_at)) || (a.id < b.id ? -1 : 1));
      return dataResponse(paginate(matches, page).map(serializeFile), pageMeta(includes, page, matches.length));
    },

    'files.info': (call) => dataResponse(serializeFile(requireFile(call))),

    'files.download': (call) => {
      const file = requireFile(call);
      const token = newTransferToken();
      const expiresAt = call.store.now() + TRANSFER_TTL_MS;
      call.store.state.fileTransfers[token] = { token, kind: 'download', account_id: call.accountId, file_id: file.id, expires_at: expiresAt };
      return dataResponse({ location: `${transferBase()}/download/${token}`, expires_at: formatTimestamp(expiresAt) });
    },

    'files.upload': ({ body, accountId, userId, store }) => {
      if (typeof body.name !== 'string' || !body.name.trim()) throw badRequest('name is required');
      const subject = parseSubject(body.subject, 'subject', UPLOAD_SUBJECT_TYPES);
      requireSubject(store, accountId, subject);
      if (body.folder !== undefined && body.folder !== null && (typeof body.folder !== 'string' || !body.folder.trim())) throw badRequest('folder must be a non-empty string');
      const token = newTransferToken();
      const expiresAt = store.now() + TRANSFER_TTL_MS;
      store.state.fileTransfers[token] = {
        token, kind: 'upload', account_id: accountId, user_id: userId, name: body.name.trim(), subject,
        folder: typeof body.folder === 'string' ? body.folder.trim() : DEFAULT_FOLDER, expires_at: expiresAt, used: false,
      };
      return dataResponse({ location: `${transferBase()}/upload/${token}`, expires_at: formatTimestamp(expiresAt) });
    },

    'files.delete': (call) => {
      const file = requireFile(call);
      delete call.store.state.files[file.id];
      return emptyResponse();
    },

    'deals.info': otherInfo('deal', 'title'),
    'products.info': otherInfo('product', 'name'),
    'meetings.info': otherInfo('meeting', 'title'),
    'projects.info': otherInfo('project', 'title'),
    'projects-v2/projects.info': otherInfo('nextgenProject', 'title'),
  };
}

const transferError = (status: number, title: string): SandboxResponse => json(status, { errors: [{ title }] });

/** The signed-URL host: `POST|PUT /files-host/upload/:token` (raw body) and `GET /files-host/download/:token`. */
export function registerFileHost(router: Router, ctx: SandboxContext, store: TeamleaderStore): void {
  const take = (token: string, kind: 'upload' | 'download') => {
    const transfer = store.state.fileTransfers[token];
    if (!transfer || transfer.kind !== kind) return null;
    if (transfer.expires_at <= ctx.now()) {
      delete store.state.fileTransfers[token];
      return null;
    }
    return transfer;
  };

  const upload = (req: { params: Record<string, string>; body: Buffer; headers: Record<string, unknown> }): SandboxResponse => {
    const transfer = take(req.params.token, 'upload');
    if (!transfer || transfer.kind !== 'upload' || transfer.used) return transferError(403, 'This upload location is invalid or has expired');
    if (req.body.length > store.state.config.fileUploadMaxBytes) return transferError(413, 'The file is too large');
    if (!subjectName(store, transfer.account_id, transfer.subject)) return transferError(400, `${transfer.subject.type} ${transfer.subject.id} does not exist`);
    const declared = String(req.headers['content-type'] ?? '').split(';')[0].trim();
    const file: FileRecord = {
      id: randomId(),
      account_id: transfer.account_id,
      subject: transfer.subject,
      name: transfer.name,
      // Raw-body uploads usually say application/octet-stream; Teamleader then goes by the file name.
      mime_type: declared && declared !== 'application/octet-stream' ? declared : mimeFor(transfer.name),
      size: req.body.length,
      folder: transfer.folder,
      uploaded_by: transfer.user_id,
      updated_at: store.timestamp(),
      base64: req.body.toString('base64'),
    };
    store.state.files[file.id] = file;
    delete store.state.fileTransfers[transfer.token];
    return json(201, { data: { type: 'file', id: file.id } });
  };
  router.post('/files-host/upload/:token', upload);
  router.put('/files-host/upload/:token', upload);

  router.get('/files-host/download/:token', (req): SandboxResponse => {
    const transfer = take(req.params.token, 'download');
    const file = transfer && transfer.kind === 'download' ? store.state.files[transfer.file_id] : undefined;
    if (!file) return transferError(403, 'This download location is invalid or has expired');
    const bytes = Buffer.from(file.base64, 'base64');
    return {
      status: 200,
      headers: {
        'content-type': file.mime_type,
        'content-length': String(bytes.length),
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      },
      body: bytes,
    };
  });
}
