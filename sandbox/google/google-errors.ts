/** Google JSON error bodies (providers.md §4.6) and OAuth token-endpoint errors (§4.1). */
import { json, type SandboxResponse } from '../lib/http';

export type GoogleStatus =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL';

const CODES: Record<GoogleStatus, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
};

/** Thrown anywhere below the HTTP layer; turned into the Google error body by the API handlers. */
export class GoogleApiError extends Error {
  constructor(
    public status: GoogleStatus,
    message: string,
    public details?: unknown[],
    public headers: Record<string, string> = {},
  ) {
    super(message);
  }
  get code(): number {
    return CODES[this.status];
  }
  toResponse(): SandboxResponse {
    const error: Record<string, unknown> = { code: this.code, message: this.message, status: this.status };
    if (this.details?.length) error.details = this.details;
    return json(this.code, { error }, this.headers);
  }
}

export const errorInfo = (reason: string, domain = 'people.googleapis.com', metadata?: Record<string, string>) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain,
  ...(metadata ? { metadata } : {}),
});

export const invalidArgument = (message: string, field?: string) =>
  new GoogleApiError(
    'INVALID_ARGUMENT',
    message,
    field ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }] : undefined,
  );

export const notFound = (message = 'Requested entity was not found.') => new GoogleApiError('NOT_FOUND', message);

export const failedPrecondition = (message: string, reason?: string) =>
  new GoogleApiError('FAILED_PRECONDITION', message, reason ? [errorInfo(reason)] : undefined);

export const ETAG_MISMATCH_MESSAGE =
  'Request person.etag is different than the current person.etag. Clear local cache and get the latest person.';

export const EXPIRED_SYNC_TOKEN_MESSAGE =
  'Sync token is expired. Clear local cache and retry call without the sync token.';

export const expiredSyncToken = () => failedPrecondition(EXPIRED_SYNC_TOKEN_MESSAGE, 'EXPIRED_SYNC_TOKEN');

/** OAuth 2 token/revoke endpoint error (RFC 6749 §5.2 shape, Google wording). */
export function oauthError(status: number, error: string, description: string): SandboxResponse {
  return json(status, { error, error_description: description }, { 'cache-control': 'no-store' });
}
