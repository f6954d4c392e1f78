/**
 * Dropbox Sign errors → our closed error set (lib/errors.ts). The SDK (1.11.0) throws three shapes:
 *   - `HttpError` for 4XX answers, `body` = the parsed `{error:{errorMsg,errorName,errorPath}}` — except
 *     for `signatureRequestFiles`, which asks for an arraybuffer, so the envelope is only in
 *     `response.data` as bytes;
 *   - a plain AxiosError (with `response`) for anything else, e.g. 5XX;
 *   - a network error without `response`.
 * Our own streamed downloads (a file URL fetched with fetch) produce `FileUrlError`.
 */
import { SyncError, parseRetryAfter, toSyncError } from '@/lib/errors';

/** How long to wait before asking again for files that are still being prepared (409). */
export const FILES_NOT_READY_RETRY_MS = 15_000;
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

type Headers = Record<string, string | string[] | undefined>;
type SdkErrorLike = {
  statusCode?: number;
  body?: { error?: { errorMsg?: string; errorName?: string; errorPath?: string } };
  response?: { status?: number; headers?: Headers | { get?(name: string): unknown }; data?: unknown };
  message?: string;
};

export class FileUrlError extends Error {
  constructor(
    public status: number,
    message: string,
    public headers: Headers = {},
  ) {
    super(message);
    this.name = 'FileUrlError';
  }
}

export function dropboxSignStatus(error: unknown): number | undefined {
  if (error instanceof FileUrlError) return error.status;
  const e = error as SdkErrorLike | null;
  const status = e?.statusCode ?? e?.response?.status;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

export const isDropboxSignUnauthorized = (error: unknown) => dropboxSignStatus(error) === 401;

function header(error: SdkErrorLike | FileUrlError, name: string): string | undefined {
  const headers = (error instanceof FileUrlError ? error.headers : error.response?.headers) as Headers | undefined;
  if (!headers) return undefined;
  const direct = typeof (headers as { get?: unknown }).get === 'function' ? (headers as unknown as { get(n: string): unknown }).get(name) : undefined;
  const value = direct ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return Array.isArray(value) ? value[0] : value === undefined || value === null ? undefined : String(value);
}

/** The vendor envelope, from the parsed SDK body or from raw bytes/JSON in `response.data`. */
export function dropboxSignErrorBody(error: unknown): { name?: string; message?: string; path?: string } {
  const e = error as SdkErrorLike;
  const parsed = e?.body?.error;
  if (parsed?.errorName || parsed?.errorMsg) return { name: parsed.errorName, message: parsed.errorMsg, path: parsed.errorPath };
  let data = e?.response?.data;
  if (data instanceof ArrayBuffer) data = Buffer.from(data);
  if (Buffer.isBuffer(data) || data instanceof Uint8Array) data = Buffer.from(data).toString('utf8');
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return {};
    }
  }
  const raw = (data as { error?: { error_name?: string; error_msg?: string; error_path?: string } } | undefined)?.error;
  return raw ? { name: raw.error_name, message: raw.error_msg, path: raw.error_path } : {};
}

/** `X-Ratelimit-Reset` is a unix time (seconds); Retry-After is honoured too if a proxy adds it. */
export function rateLimitWaitMs(error: unknown, now = Date.now()): number {
  const e = error as SdkErrorLike;
  const retryAfter = parseRetryAfter(header(e, 'retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(header(e, 'x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(1000, reset * 1000 - now);
  return DEFAULT_RATE_LIMIT_WAIT_MS;
}

export function mapDropboxSignError(error: unknown, now = Date.now()): SyncError {
  if (error instanceof SyncError) return error;
  const status = dropboxSignStatus(error);
  if (!status) return toSyncError(error);
  const body = dropboxSignErrorBody(error);
  const message = `Dropbox Sign: ${body.message ?? (error as Error).message ?? `HTTP ${status}`}`;
  const opts = { status, vendor: 'dropbox-sign', detail: { errorName: body.name, errorPath: body.path } };
  // Reached only after the token wrapper refreshed once (or with an API key): the grant is gone.
  if (status === 401) return new SyncError('auth_revoked', message, opts);
  if (status === 403) {
    // A missing OAuth scope is fixed by reconnecting; anything else is a permission the account lacks.
    if (/scope/i.test(body.message ?? '')) return new SyncError('auth_revoked', message, opts);
    return new SyncError('insufficient_permission', message, opts);
  }
  if (status === 402) return new SyncError('insufficient_permission', `${message} (the Dropbox Sign plan does not allow this)`, opts);
  if (status === 404 || status === 410) return new SyncError('not_found', message, opts);
  if (status === 409) return new SyncError('temporary', `${message} (files are still being prepared)`, { ...opts, retryAfterMs: FILES_NOT_READY_RETRY_MS });
  if (status === 429) return new SyncError('rate_limited', message, { ...opts, retryAfterMs: rateLimitWaitMs(error, now) });
  if (status === 400) return new SyncError('validation', message, opts);
  if (status >= 500) return new SyncError('temporary', message, opts);
  return new SyncError('internal', message, opts);
}

/** Backoff for repeated 409s on the same request: 15 s, 30 s, 1 min, … capped at 10 min. */
export function filesNotReadyBackoffMs(attempt: number): number {
  return Math.min(FILES_NOT_READY_RETRY_MS * 2 ** Math.max(0, attempt), 10 * 60_000);
}

/** True for the 409 "files are being prepared" answer (also after mapping). */
export function isFilesNotReady(error: unknown): boolean {
  if (error instanceof SyncError) return error.options.status === 409;
  return dropboxSignStatus(error) === 409;
}
