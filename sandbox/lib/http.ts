/**
 * Tiny HTTP toolkit shared by every emulator. No framework: emulators must control status codes,
 * headers and bodies byte for byte to stay faithful to the vendor wire formats.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type SandboxRequest = {
  method: string;
  url: URL;
  path: string; // path relative to the emulator mount point, always starting with '/'
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: Buffer;
  raw: IncomingMessage;
};

export type SandboxResponse = {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer | Uint8Array;
};

export type Handler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

type Route = { method: string; pattern: RegExp; keys: string[]; handler: Handler };

/** Patterns: '/api/v2/persons/:id'. A trailing '*' captures the rest as params.rest. */
export class Router {
  private routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const keys: string[] = [];
    const source = pattern
      .split('/')
      .map((part) => {
        if (part === '*') {
          keys.push('rest');
          return '(.*)';
        }
        if (part.startsWith(':')) {
          keys.push(part.slice(1));
          return '([^/]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }
  get(p: string, h: Handler) { return this.add('GET', p, h); }
  post(p: string, h: Handler) { return this.add('POST', p, h); }
  put(p: string, h: Handler) { return this.add('PUT', p, h); }
  patch(p: string, h: Handler) { return this.add('PATCH', p, h); }
  delete(p: string, h: Handler) { return this.add('DELETE', p, h); }
  any(p: string, h: Handler) { return this.add('*', p, h); }

  /** Returns null when no route matches the path (so the caller can answer 404 in its own format). */
  async handle(req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse | null> {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(req.path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== '*' && route.method !== req.method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return route.handler({ ...req, params });
    }
    if (pathMatched) return { status: 405, headers: { 'content-type': 'text/plain' }, body: 'Method Not Allowed' };
    return null;
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

export function html(status: number, body: string, headers: Record<string, string> = {}): SandboxResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body };
}

export function redirect(location: string, status = 302): SandboxResponse {
  return { status, headers: { location }, body: '' };
}

export function noContent(headers: Record<string, string> = {}): SandboxResponse {
  return { status: 204, headers, body: '' };
}

/** Parses a JSON body; returns undefined for an empty body and throws BadBody for malformed JSON. */
export function readJson<T = unknown>(req: Pick<SandboxRequest, 'body'>): T | undefined {
  if (!req.body.length) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8')) as T;
  } catch {
    throw new BadBody('Malformed JSON body');
  }
}

export function readForm(req: Pick<SandboxRequest, 'body'>): URLSearchParams {
  return new URLSearchParams(req.body.toString('utf8'));
}

export class BadBody extends Error {}

/** Decodes `Authorization: Basic` into [user, password], or null. */
export function basicAuth(headers: IncomingMessage['headers']): [string, string] | null {
  const value = headers.authorization;
  if (!value?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(value.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  return [decodeURIComponent(decoded.slice(0, i)), decodeURIComponent(decoded.slice(i + 1))];
}

export function bearer(headers: IncomingMessage['headers']): string | null {
  const value = headers.authorization;
  if (!value?.toLowerCase().startsWith('bearer ')) return null;
  return value.slice(7).trim();
}

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export async function readBody(req: IncomingMessage, limitBytes = 200 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new BadBody('Body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function send(res: ServerResponse, r: SandboxResponse): void {
  res.statusCode = r.status;
  for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
  res.end(r.body ?? '');
}
