/**
 * Dropbox error answers (providers.md §1.9): 400 plain text for malformed input, 401 AuthError JSON,
 * 409 route-error unions with `error_summary`, 429 RateLimitError with Retry-After.
 */
import type { SandboxResponse } from '../lib/http';

export type Union = { '.tag': string; [member: string]: unknown };

export class DropboxApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { text: string } | { json: Record<string, unknown> },
    readonly headers: Record<string, string> = {},
  ) {
    super('text' in body ? body.text : String(body.json.error_summary ?? status));
  }
}

/**
 * `error_summary`: the member tags from the outside in, joined by "/", then "/.." (clients must match by
 * prefix). A member holding a union nests it under the member name; UploadWriteFailed keeps its WriteError
 * under `reason`.
 */
export function errorSummary(error: Union): string {
  const tags: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && isUnion(current); depth++) {
    const tag = current['.tag'];
    tags.push(tag);
    const nested = current[tag];
    current = isUnion(nested) ? nested : isUnion(current.reason) ? current.reason : undefined;
  }
  return `${tags.join('/')}/..`;
}

function isUnion(value: unknown): value is Union {
  return typeof value === 'object' && value !== null && typeof (value as Union)['.tag'] === 'string';
}

/** 409 with the route's error union. */
export function routeError(error: Union, userMessage?: string): DropboxApiError {
  return new DropboxApiError(409, {
    json: { error_summary: errorSummary(error), error, ...(userMessage ? { user_message: { text: userMessage, locale: 'en' } } : {}) },
  });
}

/** 400 plain text, the way Dropbox reports malformed arguments. */
export function badInput(route: string, message: string): DropboxApiError {
  return new DropboxApiError(400, { text: `Error in call to API function "${route}": ${message}` });
}

export function authError(tag: 'invalid_access_token' | 'expired_access_token' | 'missing_scope' | 'user_suspended', extra: Record<string, unknown> = {}): DropboxApiError {
  const error = { '.tag': tag, ...extra };
  return new DropboxApiError(401, { json: { error_summary: `${tag}/..`, error } }, { 'www-authenticate': 'Bearer realm="Dropbox-API"' });
}

export function rateLimited(reason: 'too_many_requests' | 'too_many_write_operations', retryAfterSeconds: number): DropboxApiError {
  return new DropboxApiError(
    429,
    { json: { error_summary: `${reason}/..`, error: { reason: { '.tag': reason }, retry_after: retryAfterSeconds } } },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

export const lookupNotFound: Union = { '.tag': 'not_found' };
export const malformedPath: Union = { '.tag': 'malformed_path' };

export function toResponse(error: DropboxApiError): SandboxResponse {
  const base = { 'x-dropbox-request-id': Math.random().toString(16).slice(2, 18), ...error.headers };
  if ('text' in error.body) return { status: error.status, headers: { 'content-type': 'text/plain; charset=utf-8', ...base }, body: error.body.text };
  return { status: error.status, headers: { 'content-type': 'application/json', ...base }, body: JSON.stringify(error.body.json) };
}
