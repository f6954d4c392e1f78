/** M4: the Pipedrive custom-UI JWT is verified server-side (HS256 with the extension's secret). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { setEnvForTests } from '@/lib/env';
import { IframeTokenError, verifyIframeToken } from './iframe-token';

const SECRET = 'pipedrive-jwt-secret-for-tests';
const now = () => Math.floor(Date.now() / 1000);

async function sign(claims: Record<string, unknown>, opts: { secret?: string; alg?: string; exp?: number | null; iat?: number } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' }).setIssuedAt(opts.iat ?? now());
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now() + 300);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function reason(token: string | null | undefined, secret?: string) {
  try {
    await verifyIframeToken(token, secret);
  } catch (error) {
    expect(error).toBeInstanceOf(IframeTokenError);
    return (error as IframeTokenError).reason;
  }
  throw new Error('expected the token to be rejected');
}

beforeAll(() => {
  setEnvForTests({
    PIPEDRIVE_JWT_SECRET: SECRET,
    ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    AUTH_SECRET: 'a'.repeat(40),
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'synclane-jwt-')),
  });
});

describe('M4 iframe token verification', () => {
  it('M4: a valid HS256 token with userId/companyId yields the identity (secret from env)', async () => {
    await expect(verifyIframeToken(await sign({ userId: 123, companyId: 456 }))).resolves.toEqual({ crm: 'pipedrive', userId: '123', companyId: '456' });
  });

  it('M4: the user_id/company_id claim variant is accepted too, numbers or strings', async () => {
    await expect(verifyIframeToken(await sign({ user_id: '123', company_id: 456 }))).resolves.toEqual({ crm: 'pipedrive', userId: '123', companyId: '456' });
  });

  it('M4: an explicit secret argument overrides the configured one', async () => {
    await expect(verifyIframeToken(await sign({ userId: 1, companyId: 2 }, { secret: 'other' }), 'other')).resolves.toMatchObject({ userId: '1' });
  });

  it('M4: a token signed with another secret (forged) is invalid', async () => {
    expect(await reason(await sign({ userId: 1, companyId: 2 }, { secret: 'attacker-secret' }))).toBe('invalid');
  });

  it('M4: a tampered payload is invalid', async () => {
    const [h, , s] = (await sign({ userId: 1, companyId: 2 })).split('.');
    expect(await reason(`${h}.${b64({ userId: 999, companyId: 2, exp: now() + 300 })}.${s}`)).toBe('invalid');
  });

  it('M4: an expired token is reported as expired (beyond the 5 s clock tolerance)', async () => {
    expect(await reason(await sign({ userId: 1, companyId: 2 }, { iat: now() - 600, exp: now() - 60 }))).toBe('expired');
  });

  it('M4: a token that expired within the clock tolerance is still accepted', async () => {
    await expect(verifyIframeToken(await sign({ userId: 1, companyId: 2 }, { exp: now() - 2 }))).resolves.toMatchObject({ userId: '1' });
  });

  it('M4: alg "none" is rejected', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ userId: 1, companyId: 2, exp: now() + 300 })}.`;
    expect(await reason(unsigned)).toBe('invalid');
  });

  it('M4: other HMAC algorithms are rejected (HS256 only)', async () => {
    expect(await reason(await sign({ userId: 1, companyId: 2 }, { alg: 'HS512' }))).toBe('invalid');
  });

  it('M4: a token without exp is rejected', async () => {
    expect(await reason(await sign({ userId: 1, companyId: 2 }, { exp: null }))).toBe('invalid');
  });

  it('M4: missing user or company claims are rejected', async () => {
    expect(await reason(await sign({ companyId: 2 }))).toBe('invalid');
    expect(await reason(await sign({ userId: 1 }))).toBe('invalid');
    expect(await reason(await sign({}))).toBe('invalid');
    expect(await reason(await sign({ userId: '', companyId: '' }))).toBe('invalid');
  });

  it('M4: claims of the wrong type are rejected', async () => {
    expect(await reason(await sign({ userId: { id: 1 }, companyId: 2 }))).toBe('invalid');
  });

  it('M4: a missing token is reported as missing; garbage as invalid', async () => {
    expect(await reason(null)).toBe('missing');
    expect(await reason(undefined)).toBe('missing');
    expect(await reason('')).toBe('missing');
    expect(await reason('not.a.jwt')).toBe('invalid');
    expect(await reason('garbage')).toBe('invalid');
  });

  it('S11: a validly signed token claiming a life longer than an hour is refused (maximum age)', async () => {
    expect(await reason(await sign({ userId: 1, companyId: 2 }, { exp: now() + 365 * 24 * 3600 }))).toBe('invalid');
  });

  it('S11: a token issued more than an hour ago is refused even if its exp is still ahead', async () => {
    expect(await reason(await sign({ userId: 1, companyId: 2 }, { iat: now() - 2 * 3600, exp: now() + 60 }))).toBe('expired');
  });
});
