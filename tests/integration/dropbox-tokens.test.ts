/**
 * The Dropbox client on the real token manager (real Postgres, full sandbox): a linked account's token is
 * refreshed on a 401 with the non-rotating refresh token, and an unlinked app puts the account in
 * needs-reconnect without deleting anything (R2, F1, F7).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { providerAccounts } from '@/db/schema';
import { decryptOptional, encryptOptional } from '@/lib/auth/token-vault';
import { createDropboxAuthorization, dropboxFor, exchangeDropboxCode } from '@/lib/providers/dropbox';
import { consent } from '@/sandbox/dropbox/test-support';
import type { Tenant } from '@/lib/tenant';

const OLIVIA = 'olivia.northwind@gmail.com';

let app: TestApp;
let tenant: Tenant;
let rowId: string;

beforeAll(async () => {
  app = await createTestApp();
  tenant = await app.installPipedrive(NORTHWIND.admin);
  const redirectUri = app.sandbox.ctx.app.dropbox.redirectUris[0];
  const { url, codeVerifier } = await createDropboxAuthorization({ redirectUri, state: 'integration' });
  const { location } = await consent(app.sandbox, url, OLIVIA);
  const link = await exchangeDropboxCode({ code: location.searchParams.get('code')!, redirectUri, codeVerifier });
  const db = await getDb();
  // The provider column's TypeScript enum does not list dropbox yet (linking comes with the Files UI).
  const [row] = await db
    .insert(providerAccounts)
    .values({
      installationId: tenant.installationId,
      crmUserId: tenant.crmUserId,
      provider: 'dropbox' as never,
      accountId: link.accountId,
      email: link.email,
      displayName: link.displayName,
      accessTokenEnc: encryptOptional(link.tokens.accessToken),
      refreshTokenEnc: encryptOptional(link.tokens.refreshToken),
      accessTokenExpiresAt: link.tokens.expiresAt,
      scope: link.tokens.scope ?? null,
    })
    .returning({ id: providerAccounts.id });
  rowId = row.id;
});
afterAll(async () => app?.close());

async function row() {
  const db = await getDb();
  const [r] = await db.select().from(providerAccounts).where(eq(providerAccounts.id, rowId));
  return r!;
}

describe('Dropbox on the token manager', () => {
  it('R2: a 401 expired_access_token refreshes once, keeps the (non-rotating) refresh token and retries', async () => {
    const dropbox = dropboxFor({ kind: 'provider_account', id: rowId });
    await dropbox.uploadStream('/Persons/Ada (42)/a.txt', (async function* () { yield Buffer.from('a'); })(), 1, { kind: 'add' });
    const before = await row();
    app.sandbox.dropbox.expireAccessTokens(); // Dropbox says expired while our row still thinks it is valid
    const page = await dropbox.listFolder('', { recursive: true });
    expect(page.entries.map((e) => e.pathDisplay)).toEqual(['/Persons', '/Persons/Ada (42)', '/Persons/Ada (42)/a.txt']);
    const after = await row();
    expect(after.tokenVersion).toBe(before.tokenVersion + 1);
    expect(decryptOptional(after.accessTokenEnc)).not.toBe(decryptOptional(before.accessTokenEnc));
    expect(decryptOptional(after.refreshTokenEnc)).toBe(decryptOptional(before.refreshTokenEnc));
    expect(after.status).toBe('connected');
  });

  it('R2/F7: after the user disconnects the app in Dropbox the account needs a reconnect; files stay', async () => {
    app.sandbox.dropbox.unlink(OLIVIA);
    const dropbox = dropboxFor({ kind: 'provider_account', id: rowId });
    await expect(dropbox.listFolder('')).rejects.toMatchObject({ code: 'auth_revoked' });
    expect((await row()).status).toBe('needs_reconnect');
    expect(app.sandbox.dropbox.entry(OLIVIA, '/Persons/Ada (42)/a.txt')).toBeDefined();
  });
});
