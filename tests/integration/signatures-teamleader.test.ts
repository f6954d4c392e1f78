/**
 * The Dropbox Sign archive for a Dutch-speaking Teamleader user: S2 folder names in the user's language at
 * activation, and S3/B7 on a CRM whose records are contacts (metadata `contact:<id>`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, BRUGGE, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { providerAccounts, signatureArchives, signatureDocuments } from '@/db/schema';
import { encryptOptional } from '@/lib/auth/token-vault';
import { crmClientFor } from '@/lib/crm';
import { env } from '@/lib/env';
import { createDropboxAuthorization, exchangeDropboxCode } from '@/lib/providers/dropbox';
import { completeSignLink, startSignLink } from '@/lib/signatures/linking';
import { recordMetadataValue } from '@/lib/sync/signatures/metadata';
import { consent } from '@/sandbox/dropbox/test-support';
import type { Tenant } from '@/lib/tenant';

const DROPBOX_EMAIL = 'lotte.bruggebikes@gmail.com';
const SIGNER = 'rahul.regular@northwind.example';
const ADA = 'ada@contoso.example';

let app: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  app = await createTestApp();
  tenant = await app.installTeamleader(BRUGGE.admin);
  app.sandbox.dropboxSign.config({ filesPreparingMs: 0 });
  const redirectUri = app.sandbox.ctx.app.dropbox.redirectUris[0]!;
  const { url, codeVerifier } = await createDropboxAuthorization({ redirectUri, state: 'integration' });
  const { location } = await consent(app.sandbox as never, url, DROPBOX_EMAIL);
  const link = await exchangeDropboxCode({ code: location.searchParams.get('code')!, redirectUri, codeVerifier });
  const db = await getDb();
  await db.insert(providerAccounts).values({
    installationId: tenant.installationId,
    crmUserId: tenant.crmUserId,
    provider: 'dropbox',
    accountId: link.accountId,
    email: link.email,
    accessTokenEnc: encryptOptional(link.tokens.accessToken),
    refreshTokenEnc: encryptOptional(link.tokens.refreshToken),
    accessTokenExpiresAt: link.tokens.expiresAt,
  });
  const authorize = new URL(startSignLink(tenant).url);
  const res = await fetch(`${env().dropboxSign.oauthUrl}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: authorize.searchParams.get('client_id')!, state: authorize.searchParams.get('state')!, account: SIGNER, decision: 'allow' }),
  });
  const back = new URL(res.headers.get('location')!);
  const linked = await completeSignLink({ code: back.searchParams.get('code'), state: back.searchParams.get('state') });
  expect(linked.activated).toBe(true);
});
afterAll(async () => app?.close());

describe('Dropbox Sign archive for a Dutch Teamleader user', () => {
  it('S2: the four folders are named in the user\'s language at activation and kept by id', async () => {
    const db = await getDb();
    const [archive] = await db.select().from(signatureArchives);
    const names = Object.fromEntries(Object.entries(archive!.folders!).map(([role, f]) => [role, f.name]));
    expect(names).toEqual({ received: 'Ontvangen', signatureRequested: 'Handtekening aangevraagd', sent: 'Verzonden', signedAndReturned: 'Door jou ondertekend en teruggestuurd' });
    expect((await app.runSync(archive!.id)).status).toBe('succeeded');
    for (const name of ['Ontvangen', 'Handtekening aangevraagd', 'Verzonden', 'Door jou ondertekend en teruggestuurd'])
      expect(app.sandbox.dropbox.entry(DROPBOX_EMAIL, `/Dropbox Sign/${name}`)?.kind).toBe('folder');
    const [after] = await db.select().from(signatureArchives);
    expect(Object.values(after!.folders!).every((f) => typeof f.id === 'string' && f.id.length > 0)).toBe(true);
  });

  it('S3/B7: a request sent after activation with a contact in its metadata ends up on that Teamleader contact', async () => {
    const db = await getDb();
    const [archive] = await db.select().from(signatureArchives);
    const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
    const contact = await crm.createPerson({ firstName: 'Ada', lastName: 'Lovelace', emails: [{ value: ADA, label: 'work', primary: true }] });
    const request = app.sandbox.dropboxSign.createRequest({ from: SIGNER, title: 'Fietsen offerte', signers: [{ name: 'Ada', email: ADA }], documents: [{ name: 'o.pdf', data: Buffer.from('%PDF-1.4 o') }], metadata: { synclane_record: recordMetadataValue('contact', contact.id) } });
    app.sandbox.dropboxSign.sign(request.id, ADA);
    expect((await app.runSync(archive!.id)).status).toBe('succeeded');
    const [doc] = await db.select().from(signatureDocuments).where(eq(signatureDocuments.signatureRequestId, request.id));
    expect(doc).toMatchObject({ state: 'archived', signedFolder: 'signatureRequested', attachState: 'attached', crmModule: 'contact', crmRecordId: contact.id });
    expect(app.sandbox.dropbox.entry(DROPBOX_EMAIL, `/Dropbox Sign/Handtekening aangevraagd/Fietsen offerte (signed) ${request.id.slice(0, 8)}.pdf`)?.kind).toBe('file');
    expect((await crm.files.listRecordFiles('contact', contact.id)).map((f) => f.name)).toEqual([`Fietsen offerte (signed) ${request.id.slice(0, 8)}.pdf`]);
  });
});
