/**
 * The Dropbox Sign adapter against the in-process emulator: the same SDK code path as production,
 * redirected by configuration only (DROPBOX_SIGN_API_URL / _OAUTH_URL derived from SANDBOX_URL).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setEnvForTests } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { InvalidGrantError } from '@/lib/auth/token-manager';
import { readBody } from '@/sandbox/lib/http';
import { buildPdf } from '@/sandbox/dropbox-sign/pdf';
import { authorizeCode, startSignHarness, type SignHarness } from '@/sandbox/dropbox-sign/test-harness';
import { CALLBACK_ACKNOWLEDGEMENT, CallbackRejectedError, acknowledgeCallback, computeEventHash, parseCallback, parseCallbackHint, readCallbackJson, type DropboxSignCallback } from './callbacks';
import { createDropboxSignClient, type DropboxSignClient } from './client';
import { FILES_NOT_READY_RETRY_MS, filesNotReadyBackoffMs, mapDropboxSignError } from './errors';
import { dropboxSignAuthorizeUrl, exchangeDropboxSignCode, refreshDropboxSignToken } from './oauth';

const RAHUL = { email: 'rahul.regular@northwind.example', apiKey: 'sandbox-sign-key-rahul' };
const OLIVIA = { email: 'olivia.admin@northwind.example', apiKey: 'sandbox-sign-key-olivia' };
const ADA = 'ada@contoso.example';

let h: SignHarness;
beforeAll(async () => {
  h = await startSignHarness();
  setEnvForTests({ SANDBOX_URL: h.url, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'synclane-sign-')) });
});
afterAll(async () => h.close());
beforeEach(() => h.sign.reset());

const withKey = (apiKey: string) => createDropboxSignClient({ auth: { apiKey } });

async function rejection(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

async function connectAs(email: string) {
  const state = 'signed-state-from-install-flow';
  const page = await fetch(dropboxSignAuthorizeUrl(state));
  expect(page.status).toBe(200);
  const { location } = await authorizeCode(h, email, state);
  return exchangeDropboxSignCode(location.searchParams.get('code')!, location.searchParams.get('state')!);
}

describe('S1 OAuth through lib/providers/dropbox-sign/oauth', () => {
  it('S1: the authorize URL carries client id and the caller\'s signed state; code exchange and refresh give token sets', async () => {
    const url = new URL(dropboxSignAuthorizeUrl('abc.def'));
    expect(url.pathname).toBe('/dropbox-sign/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({ response_type: 'code', client_id: h.ctx.app.dropboxSign.clientId, state: 'abc.def' });
    const tokens = await connectAs(RAHUL.email);
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const client = createDropboxSignClient({ auth: { withToken: (call) => call(tokens.accessToken) } });
    expect((await client.getAccount()).email).toBe(RAHUL.email);
    const refreshed = await refreshDropboxSignToken(tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBeNull(); // unchanged refresh token: keep the stored one
  });

  it('R2: a revoked grant makes refresh throw InvalidGrantError (→ needs reconnect) and calls auth_revoked', async () => {
    const tokens = await connectAs(RAHUL.email);
    h.sign.revokeAll(RAHUL.email);
    await expect(refreshDropboxSignToken(tokens.refreshToken!)).rejects.toBeInstanceOf(InvalidGrantError);
    const client = createDropboxSignClient({ auth: { withToken: (call) => call(tokens.accessToken) } });
    expect((await rejection(client.getAccount())).code).toBe('auth_revoked');
  });
});

describe('client adapter', () => {
  it('S1: getAccount and setCallbackUrl', async () => {
    const client = withKey(OLIVIA.apiKey);
    const account = await client.getAccount();
    expect(account).toMatchObject({ email: OLIVIA.email, isTeamAdmin: true, roleCode: 'a' });
    expect((await client.setCallbackUrl('http://localhost:3000/api/dropbox-sign/callback')).callbackUrl).toBe('http://localhost:3000/api/dropbox-sign/callback');
    expect(h.sign.account(OLIVIA.email).callbackUrl).toBe('http://localhost:3000/api/dropbox-sign/callback');
  });

  it('S5: sends a document from a stream as multipart and from a URL; the stored document is byte-identical', async () => {
    const client = withKey(RAHUL.apiKey);
    const pdf = buildPdf(['Quote 2027-001', 'Total: EUR 12.400']);
    let chunksRead = 0;
    const stream = new Readable({
      read() {
        const offset = chunksRead * 64;
        chunksRead++;
        this.push(offset < pdf.length ? pdf.subarray(offset, offset + 64) : null);
      },
    });
    const sent = await client.sendSignatureRequest({
      title: 'Quote 2027-001',
      subject: 'Your quote',
      message: 'Please sign',
      signers: [{ name: 'Ada Lovelace', email: ADA }],
      ccEmailAddresses: ['nina.noadd@northwind.example'],
      file: { stream, name: 'quote-2027-001.pdf' },
      metadata: { synclane_record: 'deal:42' },
    });
    expect(chunksRead).toBeGreaterThan(2);
    expect(sent).toMatchObject({ title: 'Quote 2027-001', requesterEmail: RAHUL.email, ccEmails: ['nina.noadd@northwind.example'], metadata: { synclane_record: 'deal:42' } });
    expect(sent.signers).toEqual([expect.objectContaining({ email: ADA, status: 'awaiting_signature' })]);
    const stored = h.sign.store.find(sent.id)!.documents[0];
    expect(stored.name).toBe('quote-2027-001.pdf');
    expect(Buffer.from(stored.base64, 'base64').equals(pdf)).toBe(true);

    const server: Server = createServer((_req, res) => res.end(pdf));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const byUrl = await client.sendSignatureRequest({ title: 'From Dropbox', signers: [{ name: 'Ada', email: ADA }], fileUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/from-dropbox.pdf` });
      expect(h.sign.store.find(byUrl.id)!.documents[0].name).toBe('from-dropbox.pdf');
    } finally {
      server.close();
    }
  });

  it('S2: lists with paging; CC-only requests are absent; S4 account_id=all for the team admin', async () => {
    const rahul = withKey(RAHUL.apiKey);
    for (let i = 0; i < 5; i++) await rahul.sendSignatureRequest({ title: `R${i}`, signers: [{ name: 'Ada', email: ADA }], fileUrl: undefined, file: { stream: Readable.from([buildPdf([`R${i}`])]), name: `r${i}.pdf` } });
    const first = await rahul.listSignatureRequests(1, { pageSize: 2 });
    expect(first).toMatchObject({ page: 1, pageSize: 2 });
    expect(first.numPages).toBe(Math.ceil(first.numResults / 2));
    const ids = new Set<string>();
    for (let page = 1; page <= first.numPages; page++) for (const r of (await rahul.listSignatureRequests(page, { pageSize: 2 })).requests) ids.add(r.id);
    expect(ids.size).toBe(first.numResults);
    const nina = await withKey('sandbox-sign-key-nina').listSignatureRequests(1);
    expect(nina.requests.map((r) => r.title)).not.toContain('R0');
    const team = await withKey(OLIVIA.apiKey).listSignatureRequests(1, { accountId: 'all' });
    expect(team.requests.map((r) => r.title)).toEqual(expect.arrayContaining(['R0', 'R4']));
    expect(() => rahul.listSignatureRequests(1, { pageSize: 101 })).toThrow(RangeError);
  });

  it('B7: downloadFiles answers a retryable code while files are prepared, then streams the signed PDF', async () => {
    const client = withKey(RAHUL.apiKey);
    const sent = await client.sendSignatureRequest({ title: 'Lease', signers: [{ name: 'Ada Lovelace', email: ADA }], file: { stream: Readable.from([buildPdf(['Lease'])]), name: 'lease.pdf' } });
    h.sign.sign(sent.id, ADA);
    const early = await rejection(client.downloadFiles(sent.id));
    expect(early).toMatchObject({ code: 'temporary', options: { status: 409, retryAfterMs: FILES_NOT_READY_RETRY_MS } });
    h.advanceClock(5_000);
    const file = await client.downloadFiles(sent.id);
    expect(file.stream).toBeInstanceOf(Readable);
    expect(file.contentType).toBe('application/pdf');
    const body = await text(file.stream);
    expect(body.startsWith('%PDF-')).toBe(true);
    expect(body).toContain('Signed by Ada Lovelace <ada@contoso.example>');
    expect(file.contentLength).toBe(Buffer.byteLength(body, 'latin1'));
    const info = await client.getSignatureRequest(sent.id);
    expect(info).toMatchObject({ isComplete: true, signers: [expect.objectContaining({ status: 'signed', signedAt: expect.any(Date) })] });
  });

  it('B7: repeated 409s back off 15 s, 30 s, 1 min … up to 10 min', () => {
    expect([0, 1, 2, 3, 10].map(filesNotReadyBackoffMs)).toEqual([15_000, 30_000, 60_000, 120_000, 600_000]);
  });

  it('S4: team and members with admin flags', async () => {
    const client = withKey(OLIVIA.apiKey);
    const team = await client.getTeam();
    expect(team.name).toBe('Northwind Traders');
    const teamId = (await client.getAccount()).teamId!;
    const { members } = await client.listMembers(teamId);
    expect(members.filter((m) => m.isAdmin).map((m) => m.email)).toEqual([OLIVIA.email]);
  });

  it('cancel and remind', async () => {
    const client = withKey(RAHUL.apiKey);
    const sent = await client.sendSignatureRequest({ title: 'Cancel me', signers: [{ name: 'Ada', email: ADA }], file: { stream: Readable.from([buildPdf(['x'])]), name: 'x.pdf' } });
    expect((await client.remindSigner(sent.id, ADA)).signers[0].email).toBe(ADA);
    await client.cancelSignatureRequest(sent.id);
    expect((await rejection(client.getSignatureRequest(sent.id))).code).toBe('not_found');
  });
});

describe('B10 error mapping (closed codes)', () => {
  it('B10: 401 → auth_revoked, 403 → insufficient_permission, 404 → not_found, 400 → validation', async () => {
    expect((await rejection(withKey('wrong-key').getAccount())).code).toBe('auth_revoked');
    expect((await rejection(withKey(RAHUL.apiKey).listSignatureRequests(1, { accountId: 'all' }))).code).toBe('insufficient_permission');
    expect((await rejection(withKey(RAHUL.apiKey).getSignatureRequest('0'.repeat(40)))).code).toBe('not_found');
    const invalid = await rejection(withKey(RAHUL.apiKey).sendSignatureRequest({ title: 'x', signers: [{ name: 'No mail', email: 'not-an-email' }], file: { stream: Readable.from([buildPdf(['x'])]), name: 'x.pdf' } }));
    expect(invalid.code).toBe('validation');
    expect(invalid.options.detail).toMatchObject({ errorPath: 'signers[0].email_address' });
  });

  it('B10: 429 → rate_limited with the wait taken from X-Ratelimit-Reset', async () => {
    h.sign.config({ rateLimitStandard: 1 });
    const client = withKey('sandbox-sign-key-ada');
    await client.getAccount();
    const limited = await rejection(client.getAccount());
    expect(limited.code).toBe('rate_limited');
    // About one minute (the emulated clock of earlier tests may run a few seconds ahead), never the 60 s default.
    expect(limited.options.retryAfterMs).toBeGreaterThan(50_000);
    expect(limited.options.retryAfterMs).toBeLessThanOrEqual(61_000 + 30_000);
    const now = 1_800_000_000_000;
    const pure = mapDropboxSignError({ statusCode: 429, body: { error: { errorName: 'exceeded_rate' } }, response: { status: 429, headers: { 'x-ratelimit-reset': String(now / 1000 + 30) } } }, now);
    expect(pure.options.retryAfterMs).toBe(30_000);
  });

  it('B10: 5XX (raw AxiosError from the SDK) → temporary; a missing-scope 403 → auth_revoked (reconnect grants it)', async () => {
    h.sign.faults.add({ path: '^/v3/account', status: 502, times: 1 });
    expect((await rejection(withKey(RAHUL.apiKey).getAccount())).code).toBe('temporary');
    const scope = mapDropboxSignError({ statusCode: 403, body: { error: { errorMsg: 'This access token is missing the scope team_access.', errorName: 'forbidden' } }, response: { status: 403, headers: {} } });
    expect(scope.code).toBe('auth_revoked');
  });
});

describe('B1 callbacks: parse, verify, acknowledge', () => {
  /** A receiver built like the app's route: readCallbackJson → parseCallback → acknowledgeCallback. */
  async function startAppReceiver(key: (kind: DropboxSignCallback['kind']) => string) {
    const accepted: DropboxSignCallback[] = [];
    const rejected: number[] = [];
    const server = createServer(async (req, res) => {
      const body = await readBody(req);
      const request = new Request('http://app/callback', { method: 'POST', headers: req.headers as Record<string, string>, body: new Uint8Array(body) });
      let response: Response;
      try {
        accepted.push(parseCallback(await readCallbackJson(request), (kind) => key(kind)));
        response = acknowledgeCallback();
      } catch (error) {
        if (!(error instanceof CallbackRejectedError)) throw error;
        rejected.push(error.status);
        response = new Response(error.message, { status: error.status });
      }
      res.statusCode = response.status;
      res.end(await response.text());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, accepted, rejected, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('B1: account callbacks verify with the account API key and are acknowledged (no retries)', async () => {
    const receiver = await startAppReceiver(() => RAHUL.apiKey);
    try {
      await withKey(RAHUL.apiKey).setCallbackUrl(receiver.url);
      const sent = await withKey(RAHUL.apiKey).sendSignatureRequest({ title: 'Callback', signers: [{ name: 'Ada', email: ADA }], file: { stream: Readable.from([buildPdf(['c'])]), name: 'c.pdf' } });
      h.sign.sign(sent.id, ADA);
      await h.sign.callbacks.flush();
      // Deliveries are concurrent: no arrival order is promised.
      expect(receiver.accepted.map((c) => c.eventType).sort()).toEqual(['signature_request_all_signed', 'signature_request_sent', 'signature_request_signed']);
      expect(receiver.accepted.find((c) => c.eventType === 'signature_request_all_signed')).toMatchObject({ kind: 'account_callback', signatureRequest: { id: sent.id, isComplete: true } });
      expect(h.sign.callbacks.deliveries.every((d) => d.status === 'delivered' && d.attempts.length === 1)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('B1: app callbacks verify with the app owner\'s API key; a wrong key is rejected with 401 and the event is retried', async () => {
    h.sign.config({ callbackRetryDelaysMs: [20] });
    let key = 'not-the-owner-key';
    const receiver = await startAppReceiver(() => key);
    try {
      h.sign.getState().apps[h.ctx.app.dropboxSign.clientId].eventCallbackUrl = receiver.url;
      const tokens = await connectAs(RAHUL.email);
      const client = createDropboxSignClient({ auth: { withToken: (call) => call(tokens.accessToken) } });
      await client.sendSignatureRequest({ title: 'App', signers: [{ name: 'Ada', email: ADA }], file: { stream: Readable.from([buildPdf(['a'])]), name: 'a.pdf' } });
      await h.sign.callbacks.flush();
      expect(receiver.rejected).toEqual([401]);
      key = 'sandbox-dropbox-sign-app-owner-api-key';
      await expect.poll(() => receiver.accepted.length, { timeout: 2000 }).toBe(1);
      expect(receiver.accepted[0]).toMatchObject({ kind: 'app_callback', reportedForAppId: h.ctx.app.dropboxSign.clientId, eventType: 'signature_request_sent' });
    } finally {
      await receiver.close();
    }
  });

  it('B1: hashes use constant-time comparison of HMAC-SHA256(time + type) — the vendor\'s test vector', () => {
    const key = '324e3b0840f065eb51f3fd63231d0d33daa35d4ed10d27718839e81737065782';
    expect(computeEventHash(key, '1669926463', 'account_confirmed')).toBe('ff8b03439122f9160500c3fb855bdee5a9ccba5fff27d3b258745d8f3074832f');
    const payload = (hash: string) => JSON.stringify({ event: { event_time: '1669926463', event_type: 'account_confirmed', event_hash: hash } });
    expect(parseCallback(payload('ff8b03439122f9160500c3fb855bdee5a9ccba5fff27d3b258745d8f3074832f'), () => key).eventType).toBe('account_confirmed');
    for (const bad of ['ff8b03439122f9160500c3fb855bdee5a9ccba5fff27d3b258745d8f3074832e', 'short', ''])
      expect(() => parseCallback(payload(bad), () => key)).toThrow(CallbackRejectedError);
    expect(() => parseCallback('{not json', () => key)).toThrow(CallbackRejectedError);
    expect(() => parseCallback(JSON.stringify({ event: { event_type: 'x' } }), () => key)).toThrow(/event_time/);
  });

  it('B1: an account callback we cannot verify yields only a hint to re-read the request', () => {
    const json = JSON.stringify({ event: { event_time: '1', event_type: 'signature_request_signed', event_hash: 'unverifiable', event_metadata: { reported_for_account_id: 'acc_1' } }, signature_request: { signature_request_id: 'sr_1', requester_email_address: 'a@b.example', signatures: [] } });
    expect(parseCallbackHint(json)).toEqual({ eventType: 'signature_request_signed', signatureRequestId: 'sr_1', reportedForAccountId: 'acc_1' });
    expect(() => parseCallbackHint('nope')).toThrow(CallbackRejectedError);
  });

  it('B1: the acknowledgement is exactly "Hello API Event Received" with 200', async () => {
    const response = acknowledgeCallback();
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(CALLBACK_ACKNOWLEDGEMENT);
    expect(CALLBACK_ACKNOWLEDGEMENT).toBe('Hello API Event Received');
  });
});
