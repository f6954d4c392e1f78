/**
 * The one wrapper every API route goes through: authenticate (verified iframe JWT or Teamleader
 * session) → bound and zod-parse input → call lib → respond; error codes map to HTTP statuses and
 * messages. Path ids must be UUIDs and every string is capped and free of control characters, so bad
 * input is a 4xx with a message, never a database error surfacing as a 500.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { z, type ZodType } from 'zod';
import { ERROR_CODES, SyncError } from '@/lib/errors';
import { findUnsafeString, InputError, isUuid, readJsonBody } from '@/lib/api/input';
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
      const params = (await routeCtx?.params) ?? {};
      for (const [name, value] of Object.entries(params)) {
        if (name === 'id' && !isUuid(value)) return apiError(400, 'bad_request', `Invalid ${name}: the ${name} in the address is not a valid id.`);
      }
      let input: unknown = undefined;
      if (schema) {
        let raw: unknown;
        if (req.method === 'GET' || req.method === 'DELETE') {
          raw = Object.fromEntries(req.nextUrl.searchParams);
          const problem = findUnsafeString(raw, 'query');
          if (problem) return apiError(400, 'bad_request', `Invalid ${problem}.`);
        } else raw = await readJsonBody(req);
        const parsed = schema.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return apiError(400, 'bad_request', `Invalid ${issue?.path.join('.') || 'input'}: ${issue?.message}`);
        }
        input = parsed.data;
      }
      const result = await handler({ req, tenant, input: input as z.infer<S>, params });
      if (result instanceof Response) return result;
      return NextResponse.json(result ?? { ok: true }, { headers: { 'cache-control': 'no-store' } });
    } catch (error) {
      if (error instanceof UnauthorizedError) return apiError(401, 'unauthorized', error.message);
      if (error instanceof InputError) return apiError(error.status, error.status === 413 ? 'too_large' : 'bad_request', error.message);
      if (error instanceof SyncError) return apiError(STATUS[error.code] ?? 502, error.code, error.message);
      console.error('[api] unhandled error', error);
      return apiError(500, 'internal', 'Something went wrong on our side. Try again; if it persists, contact support.');
    }
  };
}
