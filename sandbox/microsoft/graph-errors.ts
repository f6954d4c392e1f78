/** Microsoft Graph error bodies: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`. */
import { randomUUID } from 'node:crypto';
import { json, type SandboxRequest, type SandboxResponse } from '../lib/http';

export class GraphApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const itemNotFound = () => new GraphApiError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
export const invalidArgument = (message: string) => new GraphApiError(400, 'ErrorInvalidArgument', message);

export function graphErrorResponse(
  req: Pick<SandboxRequest, 'headers'>,
  now: number,
  error: GraphApiError,
): SandboxResponse {
  const requestId = randomUUID();
  const clientRequestId = String(req.headers['client-request-id'] ?? requestId);
  return json(
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        innerError: { date: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), 'request-id': requestId, 'client-request-id': clientRequestId },
      },
    },
    { 'request-id': requestId, 'client-request-id': clientRequestId, ...error.headers },
  );
}
