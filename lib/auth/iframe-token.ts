/**
 * Verification of the JWT Pipedrive passes to custom UI iframes (`token` query param on load, fresh
 * ones from the SDK's GET_SIGNED_TOKEN, sent to our API as a bearer token). HS256 with the extension's
 * JWT secret (defaults to the app's client secret). Claim names tolerated: userId/companyId and
 * user_id/company_id (reference/crm-platforms.md §2.3).
 */
import { jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { env } from '@/lib/env';

const ZIframeClaims = z
  .object({
    userId: z.union([z.string(), z.number()]).optional(),
    companyId: z.union([z.string(), z.number()]).optional(),
    user_id: z.union([z.string(), z.number()]).optional(),
    company_id: z.union([z.string(), z.number()]).optional(),
  })
  .transform((c) => ({ userId: String(c.userId ?? c.user_id ?? ''), companyId: String(c.companyId ?? c.company_id ?? '') }))
  .refine((c) => c.userId !== '' && c.companyId !== '', 'token has no user or company');

export type IframeIdentity = { crm: 'pipedrive'; userId: string; companyId: string };

export class IframeTokenError extends Error {
  constructor(public reason: 'missing' | 'expired' | 'invalid') {
    super(`Iframe token ${reason}`);
  }
}

/**
 * Pipedrive's tokens live minutes; a signed token claiming a longer life (or issued longer ago) is refused
 * so a leaked one cannot be replayed for long.
 */
export const IFRAME_TOKEN_MAX_AGE_SECONDS = 60 * 60;

export async function verifyIframeToken(token: string | null | undefined, secret = env().pipedrive.jwtSecret): Promise<IframeIdentity> {
  if (!token) throw new IframeTokenError('missing');
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      clockTolerance: 5,
    });
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp - now > IFRAME_TOKEN_MAX_AGE_SECONDS) throw new IframeTokenError('invalid');
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || now - payload.iat > IFRAME_TOKEN_MAX_AGE_SECONDS)) throw new IframeTokenError('expired');
    const claims = ZIframeClaims.safeParse(payload);
    if (!claims.success) throw new IframeTokenError('invalid');
    return { crm: 'pipedrive', ...claims.data };
  } catch (error) {
    if (error instanceof IframeTokenError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new IframeTokenError('expired');
    throw new IframeTokenError('invalid');
  }
}
