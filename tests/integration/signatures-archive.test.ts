/**
 * The Dropbox Sign archive end to end (real Postgres, the Dropbox Sign, Dropbox and Pipedrive emulators through
 * the official SDKs): S1 linking through the OAuth callback route, S3 not retroactive, S2 one folder per role,
 * B7 the signed PDF on the CRM record, a 409 retried then archived, B1 callbacks verified and deduplicated,
 * R2 a revoked grant → needs reconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { NextRequest } from 'next/server';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { activity, providerAccounts, signatureArchives, signatureDocuments, syncConnections, webhookEvents } from '@/db/schema';
import { decryptOptional, encryptOptional } from '@/lib/auth/token-vault';
import { crmClientFor } from '@/lib/crm';
import { env } from '@/lib/env';
import { createDropboxAuthorization, exchangeDropboxCode } from '@/lib/providers/dropbox';
import { startSignLink } from '@/lib/signatures/linking';
import { signaturesOverview, unlinkSignatures, recordSignatureDocuments } from '@/lib/signatures/service';
import { GET as oauthCallback } from '@/app/api/dropbox-sign/oauth/callback/route';
import { POST as signCallback } from '@/app/api/dropbox-sign/callback/route';
import { recordMetadataValue } from '@/lib/sync/signatures/metadata';
import { buildPdf, eventHash } from '@/sandbox/dropbox-sign';
import { Readable } from 'node:stream';
import { dropboxFor } from '@/lib/providers/dropbox';
import { sendFromRecord } from '@/lib/signatures/send';
import { consent } from '@/sandbox/dropbox/test-support';
import type { Tenant } from '@/lib/tenant';

const DROPBOX_EMAIL = 'olivia.northwind@gmail.com';
const OLIVIA = 'olivia.admin@northwind.example';
const ADA = 'ada@contoso.example';
const HANS = 'hans.mueller@fabrikam.example';
const ROOT = '/Dropbox Sign';

let app: TestApp;
let tenant: Tenant;
let archiveId: string;
let adaPersonId: string;

async function linkDropbox() {
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
}

/** The browser part of S1: our authorize URL, the consent page as `email`, back to our callback route. */
async function consentToSign(email: string): Promise<URL> {
  const { url } = startSignLink(tenant);
  const authorize = new URL(url);
  const state = authorize.searchParams.get('state')!;
  const clientId = authorize.searchParams.get('client_id')!;
  const response = await fetch(`${env().dropboxSign.oauthUrl}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, state, account: email, decision: 'allow' }),
  });
  return new URL(response.headers.get('location')!);
}

const fileAt = (path: string) => app.sandbox.dropbox.entry(DROPBOX_EMAIL, path);
const filesUnder = (folder: string) => app.sandbox.dropbox.entries(DROPBOX_EMAIL).filter((e) => e.kind === 'file' && e.pathDisplay.startsWith(`${ROOT}/${folder}/`)).map((e) => e.name);

async function doc(requestId: string) {
  const db = await getDb();
  const [row] = await db.select().from(signatureDocuments).where(and(eq(signatureDocuments.archiveId, archiveId), eq(signatureDocuments.signatureRequestId, requestId)));
  return row;
}

async function run() {
  const r = await app.runSync(archiveId);
  if (r.status === 'failed') throw r.error;
  return r;
}

function postCallback(json: string): Promise<Response> {
  const form = new FormData();
  form.append('json', json);
  return signCallback(new NextRequest(`${app.appUrl}/api/dropbox-sign/callback`, { method: 'POST', body: form }));
}

beforeAll(async () => {
  app = await createTestApp();
  tenant = await app.installPipedrive(NORTHWIND.admin);
  app.sandbox.dropboxSign.config({ filesPreparingMs: 0 });
  const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
  adaPersonId = (await crm.createPerson({ firstName: 'Ada', lastName: 'Lovelace', emails: [{ value: ADA, label: 'work', primary: true }] })).id;
});
afterAll(async () => app?.close());

describe('S1 linking Dropbox Sign', () => {
  it('S1: without a linked Dropbox the link is stored but the archive waits (no connection started)', async () => {
    const location = await consentToSign(OLIVIA);
    const res = await oauthCallback(new NextRequest(location.href));
    expect(new URL(res.headers.get('location')!).searchParams.get('status')).toBe('linked');
    const db = await getDb();
    const [account] = await db.select().from(providerAccounts).where(eq(providerAccounts.provider, 'dropbox_sign'));
    expect(account).toMatchObject({ email: OLIVIA, status: 'connected', crmUserId: tenant.crmUserId });
    // Stored sealed (AES-GCM envelope), readable only through the vault.
    expect(account!.accessTokenEnc).toMatch(/^v1\./);
    expect(decryptOptional(account!.accessTokenEnc)).toBeTruthy();
    expect(decryptOptional(account!.accessTokenEnc)).not.toBe(account!.accessTokenEnc);
    expect(app.sandbox.dropboxSign.account(OLIVIA).callbackUrl).toBe(`${app.appUrl}/api/dropbox-sign/callback`);
    expect(await db.select().from(signatureArchives)).toHaveLength(0);
  });

  it('S1: a replayed callback URL (state already used) links nothing', async () => {
    const location = await consentToSign(OLIVIA);
    expect((await oauthCallback(new NextRequest(location.href))).status).toBe(307);
    const replay = await oauthCallback(new NextRequest(location.href));
    expect(new URL(replay.headers.get('location')!).searchParams.get('status')).toBe('expired');
  });

  it('S1: with Dropbox linked, linking activates the archive through the runtime and asks for a first run', async () => {
    await linkDropbox();
    const before = app.requested.length;
    const location = await consentToSign(OLIVIA);
    await oauthCallback(new NextRequest(location.href));
    const db = await getDb();
    const [archive] = await db.select().from(signatureArchives);
    expect(archive).toBeDefined();
    archiveId = archive!.id;
    const [connection] = await db.select().from(syncConnections).where(eq(syncConnections.id, archiveId));
    expect(connection).toMatchObject({ kind: 'signatures', status: 'active' });
    expect(connection!.startedAt).not.toBeNull();
    expect(app.requested.slice(before)).toEqual([expect.objectContaining({ kind: 'signatures', connectionId: archiveId, trigger: 'start' })]);
  });
});

describe('S2/S3 archiving', () => {
  it('S3: documents completed before activation are not archived; the four folders exist', async () => {
    await run();
    for (const folder of ['Received', 'Signature requested', 'Sent', 'Signed and returned by you']) expect(fileAt(`${ROOT}/${folder}`)?.kind).toBe('folder');
    expect(app.sandbox.dropbox.entries(DROPBOX_EMAIL).filter((e) => e.kind === 'file')).toHaveLength(0);
    const db = await getDb();
    const docs = await db.select().from(signatureDocuments).where(eq(signatureDocuments.archiveId, archiveId));
    // The demo request sent to Olivia before activation and still open is only tracked (it may complete later).
    expect(docs.every((d) => d.state === 'waiting' && !d.originalFileId && !d.signedFileId)).toBe(true);
  });

  it('S2: a request Olivia sends lands in "Signature requested"; signed, the PDF goes there and onto the CRM record (B7)', async () => {
    const request = app.sandbox.dropboxSign.createRequest({
      from: OLIVIA,
      title: 'Contoso order 2027',
      signers: [{ name: 'Ada Lovelace', email: ADA }],
      documents: [{ name: 'order.pdf', data: Buffer.from('%PDF-1.4 order') }],
      metadata: { synclane_record: recordMetadataValue('person', adaPersonId) },
    });
    await run();
    expect(filesUnder('Signature requested')).toEqual([`Contoso order 2027 ${request.id.slice(0, 8)}.pdf`]);
    expect(await doc(request.id)).toMatchObject({ state: 'waiting', originalFolder: 'signatureRequested' });

    app.sandbox.dropboxSign.sign(request.id, ADA);
    await run();
    expect(filesUnder('Signature requested').sort()).toEqual([`Contoso order 2027 ${request.id.slice(0, 8)}.pdf`, `Contoso order 2027 (signed) ${request.id.slice(0, 8)}.pdf`].sort());
    const d = await doc(request.id);
    expect(d).toMatchObject({ state: 'archived', isComplete: true, signedFolder: 'signatureRequested', attachState: 'attached', crmModule: 'person', crmRecordId: adaPersonId });
    const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
    const files = await crm.files.listRecordFiles('person', adaPersonId);
    expect(files.map((f) => f.name)).toEqual([`Contoso order 2027 (signed) ${request.id.slice(0, 8)}.pdf`]);

    // Idempotent: another run files nothing twice.
    await run();
    expect(filesUnder('Signature requested')).toHaveLength(2);
    expect(await crm.files.listRecordFiles('person', adaPersonId)).toHaveLength(1);
  });

  it('S2: sent to Olivia → "Received"; once she signed → "Signed and returned by you"', async () => {
    const request = app.sandbox.dropboxSign.createRequest({ from: ADA, title: 'Supplier form', signers: [{ name: 'Olivia Admin', email: OLIVIA }], documents: [{ name: 'form.pdf', data: Buffer.from('%PDF-1.4 form') }] });
    await run();
    expect(filesUnder('Received')).toEqual([`Supplier form ${request.id.slice(0, 8)}.pdf`]);
    app.sandbox.dropboxSign.sign(request.id, OLIVIA);
    await run();
    expect(filesUnder('Signed and returned by you')).toEqual([`Supplier form (signed) ${request.id.slice(0, 8)}.pdf`]);
    // No metadata and Olivia (the archiving user) is the only signer: no record, listed — nothing guessed.
    expect((await doc(request.id))!.attachState).toBe('no_record');
  });

  it('B7: without metadata, the one CRM person whose e-mail is a signer\'s gets the signed PDF', async () => {
    const GRACE = 'g.hopper.signatures@cobol.example'; // not in the demo CRM
    const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
    const grace = await crm.createPerson({ firstName: 'Grace', lastName: 'Hopper', emails: [{ value: GRACE, label: 'work', primary: true }] });
    const request = app.sandbox.dropboxSign.createRequest({ from: OLIVIA, title: 'Grace addendum', signers: [{ name: 'Grace Hopper', email: GRACE }], documents: [{ name: 'g.pdf', data: Buffer.from('%PDF-1.4 g') }] });
    app.sandbox.dropboxSign.sign(request.id, GRACE);
    await run();
    expect(await doc(request.id)).toMatchObject({ state: 'archived', attachState: 'attached', crmModule: 'person', crmRecordId: grace.id });
    expect((await crm.files.listRecordFiles('person', grace.id)).map((f) => f.name)).toEqual([`Grace addendum (signed) ${request.id.slice(0, 8)}.pdf`]);
  });

  it('S2: Olivia signing her own document → "Sent"', async () => {
    const request = app.sandbox.dropboxSign.createRequest({ from: OLIVIA, title: 'Own policy', signers: [{ name: 'Olivia Admin', email: OLIVIA }], documents: [{ name: 'p.pdf', data: Buffer.from('%PDF-1.4 p') }] });
    app.sandbox.dropboxSign.sign(request.id, OLIVIA);
    await run();
    expect(filesUnder('Sent')).toEqual([`Own policy (signed) ${request.id.slice(0, 8)}.pdf`]);
  });

  it('B7: without metadata, several matching CRM persons are listed as ambiguous, never guessed', async () => {
    const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
    await crm.createPerson({ firstName: 'Hans', lastName: 'Müller', emails: [{ value: HANS, label: 'work', primary: true }] });
    await crm.createPerson({ firstName: 'Hans', lastName: 'Mueller', emails: [{ value: HANS, label: 'work', primary: true }] });
    const request = app.sandbox.dropboxSign.createRequest({ from: OLIVIA, title: 'Fabrikam NDA 2', signers: [{ name: 'Hans', email: HANS }], documents: [{ name: 'n.pdf', data: Buffer.from('%PDF-1.4 n') }] });
    app.sandbox.dropboxSign.sign(request.id, HANS);
    await run();
    expect(await doc(request.id)).toMatchObject({ state: 'archived', attachState: 'ambiguous', crmRecordId: null });
    const db = await getDb();
    const logged = await db.select().from(activity).where(and(eq(activity.connectionId, archiveId), eq(activity.reasonCode, 'signatures.ambiguous_record'), eq(activity.remoteId, request.id)));
    expect(logged).toHaveLength(1);
  });

  it('409: files still being prepared keep the document waiting; a later run archives it (never lost)', async () => {
    app.sandbox.dropboxSign.config({ filesPreparingMs: 10 * 60_000 });
    const request = app.sandbox.dropboxSign.createRequest({ from: OLIVIA, title: 'Slow files', signers: [{ name: 'Olivia Admin', email: OLIVIA }], documents: [{ name: 's.pdf', data: Buffer.from('%PDF-1.4 s') }] });
    app.sandbox.dropboxSign.sign(request.id, OLIVIA);
    await run();
    expect(await doc(request.id)).toMatchObject({ state: 'waiting', attempts: 1, lastErrorCode: 'signatures.files_not_ready', signedFileId: null });
    await run();
    expect((await doc(request.id))!.attempts).toBe(2);
    app.sandbox.advanceClock(11 * 60_000);
    await run();
    expect(await doc(request.id)).toMatchObject({ state: 'archived', attempts: 0, lastErrorCode: null });
    expect(filesUnder('Sent')).toContain(`Slow files (signed) ${request.id.slice(0, 8)}.pdf`);
    app.sandbox.dropboxSign.config({ filesPreparingMs: 0 });
  });
});

describe('B10 canceled requests', () => {
  it('B10: a tracked request canceled in Dropbox Sign stops being tracked; the run still succeeds and keeps the original', async () => {
    const request = app.sandbox.dropboxSign.createRequest({ from: OLIVIA, title: 'To cancel', signers: [{ name: 'Hans', email: HANS }], documents: [{ name: 'c.pdf', data: Buffer.from('%PDF-1.4 c') }] });
    await run();
    expect(await doc(request.id)).toMatchObject({ state: 'waiting' });
    app.sandbox.dropboxSign.store.cancel(request.id, app.sandbox.dropboxSign.account(OLIVIA));
    expect((await app.runSync(archiveId)).status).toBe('succeeded');
    expect(await doc(request.id)).toMatchObject({ state: 'archived', lastErrorCode: 'signatures.request_canceled' });
    expect(filesUnder('Signature requested')).toContain(`To cancel ${request.id.slice(0, 8)}.pdf`);
  });
});

describe('B1 callbacks', () => {
  function appCallback(requestId: string, overrides: { hash?: string; time?: string } = {}) {
    const time = overrides.time ?? String(Math.floor(Date.now() / 1000));
    const type = 'signature_request_all_signed';
    return JSON.stringify({
      event: {
        event_time: time,
        event_type: type,
        event_hash: overrides.hash ?? eventHash(env().dropboxSign.appOwnerApiKey, time, type),
        event_metadata: { related_signature_id: null, reported_for_account_id: app.sandbox.dropboxSign.account(OLIVIA).accountId, reported_for_app_id: env().dropboxSign.clientId, event_message: null },
      },
      signature_request: { signature_request_id: requestId, requester_email_address: OLIVIA, is_complete: true, signatures: [] },
    });
  }

  it('B1: a verified app callback requests a run; the same delivery again is acknowledged and deduplicated', async () => {
    const before = app.requested.length;
    const json = appCallback('req-dedupe-1', { time: '1790000000' });
    const first = await postCallback(json);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('Hello API Event Received');
    expect(app.requested.slice(before)).toEqual([expect.objectContaining({ kind: 'signatures', connectionId: archiveId, trigger: 'webhook', signatureRequestId: 'req-dedupe-1' })]);
    const again = await postCallback(json);
    expect(await again.text()).toBe('Hello API Event Received');
    expect(app.requested.length).toBe(before + 1);
  });

  it('B1: a wrong event_hash is refused (401) and nothing is stored or requested', async () => {
    const db = await getDb();
    const seen = (await db.select().from(webhookEvents)).length;
    const before = app.requested.length;
    const res = await postCallback(appCallback('req-forged', { hash: 'f'.repeat(64) }));
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('Hello API Event Received');
    expect((await db.select().from(webhookEvents)).length).toBe(seen);
    expect(app.requested.length).toBe(before);
    expect((await postCallback('not json')).status).toBe(400);
  });

  it('B1: an account callback (unverifiable) is only a hint: the run re-reads the request through the API', async () => {
    const request = app.sandbox.dropboxSign.createRequest({ from: OLIVIA, title: 'Hinted', signers: [{ name: 'Olivia Admin', email: OLIVIA }], documents: [{ name: 'h.pdf', data: Buffer.from('%PDF-1.4 h') }] });
    app.sandbox.dropboxSign.sign(request.id, OLIVIA);
    const delivery = app.sandbox.dropboxSign.callbacks.deliveries.find((d) => d.kind === 'account' && d.signatureRequestId === request.id && d.eventType === 'signature_request_all_signed');
    expect(delivery).toBeDefined();
    // Tampered content is irrelevant: the payload claims "declined", the API says signed.
    const tampered = JSON.parse(delivery!.json);
    tampered.signature_request.is_declined = true;
    const before = app.requested.length;
    const res = await postCallback(JSON.stringify(tampered));
    expect(await res.text()).toBe('Hello API Event Received');
    const [req] = app.requested.slice(before);
    expect(req).toMatchObject({ connectionId: archiveId, signatureRequestId: request.id });
    await run();
    expect(await doc(request.id)).toMatchObject({ state: 'archived' });
  });
});

describe('B4 dashboard data', () => {
  it('B4: the overview counts archived and waiting documents and lists the not-attached ones with their reason', async () => {
    const o = await signaturesOverview(tenant);
    expect(o.sign).toMatchObject({ email: OLIVIA, status: 'connected' });
    expect(o.dropbox).toMatchObject({ email: DROPBOX_EMAIL });
    expect(o.archive!.counts.archived).toBeGreaterThanOrEqual(6);
    expect(o.archive!.problems.map((p) => p.attachState)).toEqual(expect.arrayContaining(['ambiguous', 'no_record']));
    expect(o.archive!.activity.some((a) => a.reasonCode === 'signatures.signed_archived')).toBe(true);
  });

  it('B9: the record panel lists the record\'s signature documents', async () => {
    const docs = await recordSignatureDocuments(tenant, 'person', adaPersonId);
    expect(docs).toEqual([expect.objectContaining({ title: 'Contoso order 2027', state: 'archived', attachState: 'attached' })]);
    expect(await recordSignatureDocuments(tenant, 'deal', adaPersonId)).toEqual([]);
  });
});

describe('S5 sending from a record', () => {
  it('S5: a document picked from Dropbox is sent with the record in its metadata; signed, it lands on that record (B7)', async () => {
    const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
    const linus = await crm.createPerson({ firstName: 'Linus', lastName: 'T', emails: [{ value: 'linus.signatures@kernel.example', label: 'work', primary: true }] });
    const db = await getDb();
    const [dropboxRow] = await db.select().from(providerAccounts).where(eq(providerAccounts.provider, 'dropbox'));
    const pdf = buildPdf(['Lease for Linus']);
    const uploaded = await dropboxFor({ kind: 'provider_account', id: dropboxRow!.id }).uploadStream('/Contracts/lease.pdf', Readable.from([pdf]), pdf.length, { kind: 'add' });
    const before = app.requested.length;
    const { signatureRequestId } = await sendFromRecord(tenant, { module: 'person', recordId: linus.id, title: 'Lease Linus', signers: [{ name: 'Linus', email: 'linus.signatures@kernel.example' }], source: { kind: 'dropbox', fileId: uploaded.id } });
    const stored = app.sandbox.dropboxSign.store.getVisible(signatureRequestId, app.sandbox.dropboxSign.account(OLIVIA));
    expect(stored.metadata).toEqual({ synclane_record: `person:${linus.id}` });
    expect(Buffer.from(stored.documents[0]!.base64, 'base64').equals(pdf)).toBe(true);
    expect(app.requested.slice(before)).toEqual([expect.objectContaining({ connectionId: archiveId, signatureRequestId })]);
    app.sandbox.dropboxSign.sign(signatureRequestId, 'linus.signatures@kernel.example');
    await run();
    expect(await doc(signatureRequestId)).toMatchObject({ state: 'archived', attachState: 'attached', crmRecordId: linus.id });
    expect((await crm.files.listRecordFiles('person', linus.id)).map((f) => f.name)).toEqual([`Lease Linus (signed) ${signatureRequestId.slice(0, 8)}.pdf`]);
  });

  it('S5: a record file can be sent from its own record only', async () => {
    const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
    const [file] = await crm.files.listRecordFiles('person', adaPersonId);
    const input = { module: 'person' as const, title: 'Countersign', signers: [{ name: 'Hans', email: HANS }], source: { kind: 'record' as const, fileId: file!.id } };
    const { signatureRequestId } = await sendFromRecord(tenant, { ...input, recordId: adaPersonId });
    expect(app.sandbox.dropboxSign.store.getVisible(signatureRequestId, app.sandbox.dropboxSign.account(OLIVIA)).title).toBe('Countersign');
    await expect(sendFromRecord(tenant, { ...input, recordId: '999999' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('B7 attach retries', () => {
  it('B7: a CRM upload whose answer was lost is retried by the next run and adopted, never duplicated', async () => {
    const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
    const email = 'margaret.signatures@apollo.example';
    const person = await crm.createPerson({ firstName: 'Margaret', lastName: 'H', emails: [{ value: email, label: 'work', primary: true }] });
    const request = app.sandbox.dropboxSign.createRequest({ from: OLIVIA, title: 'Apollo', signers: [{ name: 'Margaret', email }], documents: [{ name: 'm.pdf', data: Buffer.from('%PDF-1.4 m') }] });
    app.sandbox.dropboxSign.sign(request.id, email);
    app.sandbox.pipedrive.faults.add({ method: 'POST', path: 'api/v1/files', status: 500, phase: 'after', times: 1, body: { success: false, error: 'Internal error' } });
    await run();
    expect(await doc(request.id)).toMatchObject({ state: 'archived', attachState: 'failed', attempts: 1 });
    await run();
    expect(await doc(request.id)).toMatchObject({ state: 'archived', attachState: 'attached', crmRecordId: person.id });
    expect((await crm.files.listRecordFiles('person', person.id)).map((f) => f.name)).toEqual([`Apollo (signed) ${request.id.slice(0, 8)}.pdf`]);
  });
});

describe('R2 revoked grant', () => {
  it('R2: a revoked Dropbox Sign grant puts the archive in needs_reconnect; nothing is deleted', async () => {
    const files = app.sandbox.dropbox.entries(DROPBOX_EMAIL).length;
    app.sandbox.dropboxSign.revokeAll(OLIVIA);
    app.sandbox.dropboxSign.expireAccessTokens();
    const r = await app.runSync(archiveId);
    expect(r.status).toBe('failed');
    const db = await getDb();
    const [connection] = await db.select().from(syncConnections).where(eq(syncConnections.id, archiveId));
    expect(connection!.status).toBe('needs_reconnect');
    const [account] = await db.select().from(providerAccounts).where(eq(providerAccounts.provider, 'dropbox_sign'));
    expect(account!.status).toBe('needs_reconnect');
    expect(app.sandbox.dropbox.entries(DROPBOX_EMAIL).length).toBe(files);
  });

  it('R2: linking Dropbox Sign again resumes the paused archive through the runtime', async () => {
    const location = await consentToSign(OLIVIA);
    await oauthCallback(new NextRequest(location.href));
    const db = await getDb();
    const [connection] = await db.select().from(syncConnections).where(eq(syncConnections.id, archiveId));
    expect(connection!.status).toBe('active');
    expect((await db.select().from(signatureArchives)).length).toBe(1); // the same archive, not a second one
    expect((await app.runSync(archiveId)).status).toBe('succeeded');
  });

  it('S1: unlinking stops the archive and forgets the tokens; archived files stay in Dropbox', async () => {
    const files = app.sandbox.dropbox.entries(DROPBOX_EMAIL).length;
    await unlinkSignatures(tenant);
    const db = await getDb();
    const [connection] = await db.select().from(syncConnections).where(eq(syncConnections.id, archiveId));
    expect(connection!.status).toBe('disabled');
    const [account] = await db.select().from(providerAccounts).where(eq(providerAccounts.provider, 'dropbox_sign'));
    expect(account).toMatchObject({ status: 'disconnected', accessTokenEnc: null, refreshTokenEnc: null });
    expect(app.sandbox.dropbox.entries(DROPBOX_EMAIL).length).toBe(files);
    expect((await signaturesOverview(tenant)).archive).toBeNull();
  });
});
