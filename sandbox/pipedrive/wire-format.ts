/** Small helpers for Pipedrive's wire formats: timestamps, envelopes, error bodies. */
import { json, type SandboxResponse } from '../lib/http';

/** Truncates to whole seconds: every stored time is what the API shows. */
export function toSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** v2 timestamps: RFC 3339, second precision, UTC (`2024-07-01T05:46:33Z`). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** v1 timestamps: `YYYY-MM-DD HH:MM:SS` UTC. */
export function v1Time(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses an RFC 3339 query parameter; null when malformed. */
export function parseRfc3339(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function ok(data: unknown, additionalData?: unknown, status = 200): SandboxResponse {
  return json(status, additionalData === undefined ? { success: true, data } : { success: true, data, additional_data: additionalData });
}

/** The v1 error envelope (v2 error bodies are unspecified; Pipedrive uses the same one in practice). */
export function apiError(status: number, error: string, extra: Record<string, unknown> = {}): SandboxResponse {
  return json(status, { success: false, error, error_info: 'Please check developers.pipedrive.com', data: null, additional_data: null, ...extra });
}

export const notFound = (what: string) => apiError(404, `${what} not found`);
export const badRequest = (message: string) => apiError(400, message);
export const forbidden = (message = 'You do not have permissions to do this.', extra: Record<string, unknown> = {}) =>
  apiError(403, message, extra);
export const unauthorized = () => json(401, { success: false, error: 'unauthorized access', errorCode: 401 });

/** Opaque cursor (base64url JSON); Pipedrive cursors are opaque strings too. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string): T | null {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}
