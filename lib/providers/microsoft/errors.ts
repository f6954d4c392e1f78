/** Microsoft Graph errors (`GraphError` from the SDK) → our closed error set. 401 stays as-is for refresh + retry. */
import { SyncError, parseRetryAfter } from '@/lib/errors';

type GraphErrorLike = { statusCode?: number; code?: string | null; message?: string; body?: unknown; headers?: Headers | Record<string, string> };

const CURSOR_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

export function graphStatus(error: unknown): number | undefined {
  const status = (error as GraphErrorLike | null)?.statusCode;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

export const isGraphUnauthorized = (error: unknown) => graphStatus(error) === 401;

function header(error: GraphErrorLike, name: string): string | null {
  const h = error.headers;
  if (!h) return null;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name);
  const record = h as Record<string, string>;
  return record[name] ?? record[name.toLowerCase()] ?? null;
}

/** Codes from the error and its nested innerError chain (code against `code`, never `message`). */
function errorCodes(error: GraphErrorLike): string[] {
  const codes = error.code ? [error.code] : [];
  const body = (typeof error.body === 'string' ? safeJson(error.body) : error.body) as { error?: unknown } | undefined;
  // The SDK keeps the inner `error` object (stringified) as body; raw bodies still have the wrapper.
  let inner = (body?.error ?? body) as { code?: unknown; innerError?: unknown; innererror?: unknown } | undefined;
  for (let depth = 0; inner && depth < 5; depth++) {
    if (typeof inner.code === 'string') codes.push(inner.code);
    inner = (inner.innerError ?? inner.innererror) as typeof inner;
  }
  return codes.map((c) => c.toLowerCase());
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function mapGraphError(error: unknown): unknown {
  if (error instanceof SyncError) return error;
  const status = graphStatus(error);
  if (!status || status === 401) return error;
  const e = error as GraphErrorLike;
  const message = `Microsoft: ${e.message || e.code || `HTTP ${status}`}`;
  const codes = errorCodes(e);
  const opts = { status, vendor: 'microsoft', detail: { code: e.code, body: e.body } };
  if (status === 410 || codes.some((c) => CURSOR_CODES.has(c))) return new SyncError('cursor_invalid', message, opts);
  if (status === 429) return new SyncError('rate_limited', message, { ...opts, retryAfterMs: parseRetryAfter(header(e, 'retry-after')) ?? 30_000 });
  if (status === 404) return new SyncError('not_found', message, opts);
  if (status === 403) return new SyncError('insufficient_permission', message, opts);
  if (status === 412) return new SyncError('precondition_failed', message, opts);
  if (status === 400 || status === 409) return new SyncError('validation', message, opts);
  if (status === 503 || status === 504) {
    const retryAfterMs = parseRetryAfter(header(e, 'retry-after'));
    return new SyncError('temporary', message, retryAfterMs === undefined ? opts : { ...opts, retryAfterMs });
  }
  return new SyncError(status >= 500 ? 'temporary' : 'internal', message, opts);
}

/** What a failed Graph call answered, for the mailbox's pacer (a 429 holds it for Graph's Retry-After). */
export function graphFailure(error: unknown): { status: number; retryAfterMs?: number } | null {
  const status = graphStatus(error);
  if (!status) return null;
  const mapped = mapGraphError(error);
  return { status, retryAfterMs: mapped instanceof SyncError ? mapped.options.retryAfterMs : undefined };
}
