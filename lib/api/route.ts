/**
 * The one wrapper every API route goes through: authenticate (verified iframe JWT or Teamleader
 * session) → zod-parse input → call lib → respond; error codes map to HTTP statuses and messages.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { z, type ZodType } from 'zod';
import { ERROR_CODES, SyncError } from '@/lib/errors';
import { resolveTenant, TEAMLEADER_SESSION_COOKIE, UnauthorizedError, type Tenant } from '@/lib/tenant';

export type ApiContext<T> = { req: NextRequest; tenant: Tenant; input: T; params: Record<string, string> };

const STATUS: Partial<Record<keyof typeof ERROR_CODES, number>> = {
  auth_revoked: 409,
  insufficient_permission: 403,
  not_found: 404,
  validation: 422,
  rate_limited: 429,
  uninstalled: 410,
};

export function apiError(status: number, code: string, message: string) {
  return NextResponse.json({ error: { code, message } }, { status, headers: { 'cache-control': 'no-store' } });
}

export function tenantRoute<S extends ZodType>(
  schema: S | null,
  handler: (ctx: ApiContext<z.infer<S>>) => Promise<unknown>,
) {
  return async (req: NextRequest, routeCtx: { params: Promise<Record<string, string>> }) => {
    try {
      const tenant = await resolveTenant(req.headers, req.cookies.get(TEAMLEADER_SESSION_COOKIE)?.value);
      let input: unknown = undefined;
      if (schema) {
        const raw =
          req.method === 'GET' || req.method === 'DELETE'
            ? Object.fromEntries(req.nextUrl.searchParams)
            : await req.json().catch(() => {
                throw new SyncError('validation', 'The request body is not valid JSON.');
              });
        const parsed = schema.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return apiError(400, 'bad_request', `Invalid ${issue?.path.join('.') || 'input'}: ${issue?.message}`);
        }
        input = parsed.data;
      }
      const result = await handler({ req, tenant, input: input as z.infer<S>, params: (await routeCtx?.params) ?? {} });
      if (result instanceof Response) return result;
      return NextResponse.json(result ?? { ok: true }, { headers: { 'cache-control': 'no-store' } });
    } catch (error) {
      if (error instanceof UnauthorizedError) return apiError(401, 'unauthorized', error.message);
      if (error instanceof SyncError) return apiError(STATUS[error.code] ?? 502, error.code, error.message);
      console.error('[api] unhandled error', error);
      return apiError(500, 'internal', 'Something went wrong on our side. Try again; if it persists, contact support.');
    }
  };
}
