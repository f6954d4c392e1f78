/** Dropbox Sign's error envelope (reference §3.5): `{"error":{"error_msg","error_name","error_path"?}}`. */
import { json, type SandboxResponse } from '../lib/http';

export class SignApiError extends Error {
  constructor(
    public status: number,
    public errorName: string,
    message: string,
    public errorPath?: string,
    public headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function signErrorResponse(error: SignApiError): SandboxResponse {
  return json(
    error.status,
    { error: { error_msg: error.message, error_name: error.errorName, ...(error.errorPath ? { error_path: error.errorPath } : {}) } },
    error.headers,
  );
}

export const badRequest = (message: string, path?: string) => new SignApiError(400, 'bad_request', message, path);
export const unauthorized = (message = 'Unauthorized user. No credentials supplied.') => new SignApiError(401, 'unauthorized', message);
export const forbidden = (message: string) => new SignApiError(403, 'forbidden', message);
export const notFound = (message = 'Not found.') => new SignApiError(404, 'not_found', message);
export const conflict = (message: string) => new SignApiError(409, 'conflict', message);
export const deleted = (message = 'This resource has been deleted.') => new SignApiError(410, 'deleted', message);
