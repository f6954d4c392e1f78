import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventCallbackHelper, EventCallbackRequest, HttpError, OAuthTokenGenerateRequest, OAuthTokenRefreshRequest } from '@dropbox/sign';
import { buildPdf } from './pdf';
import { accountApi, authorizeCode, oauthApi, signatureApi, startReceiver, startSignHarness, teamApi, type SignHarness } from './test-harness';

const OLIVIA = { email: 'olivia.admin@northwind.example', apiKey: 'sandbox-sign-key-olivia' };
const RAHUL = { email: 'rahul.regular@northwind.example', apiKey: 'sandbox-sign-key-rahul' };
const ADA = { email: 'ada@contoso.example', apiKey: 'sandbox-sign-key-ada' };
const NINA = { email: 'nina.noadd@northwind.example', apiKey: 'sandbox-sign-key-nina' };

let h: SignHarness;
beforeAll(async () => {
  h = await startSignHarness();
});
afterAll(async () => h.close());
beforeEach(() => h.sign.reset());

async function httpError(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected an HttpError');
}

const pdfFile = (name = 'contract.pdf', text = 'Contract') => ({ value: buildPdf([text]), options: { filename: name, contentType: 'application/pdf' } });

async function sendWithFile(apiKey: string, overrides: Record<string, unknown> = {}) {
  const { body } = await signatureApi(h, { apiKey }).signatureRequestSend({
    title: 'Contract',
    signers: [{ name: 'Ada Lovelace', email_address: ADA.email }],
    files: [pdfFile()],
    ...overrides,
  } as never);
  return body.signatureRequest!;
}

describe('S1 OAuth for the Dropbox Sign app', () => {
  it('S1: consent → code → tokens through OAuthApi, bearer calls work, refresh replaces the access token', async () => {
    const { location, pageHtml } = await authorizeCode(h, RAHUL.email, 'signed-state');
    expect(pageHtml).toContain('Send signature requests on your behalf');
    expect(location.origin + location.pathname).toBe(h.ctx.app.dropboxSign.oauthCallbackUrl);
    expect(location.searchParams.get('state')).toBe('signed-state');
    const app = h.ctx.app.dropboxSign;
    const generated = await oauthApi(h).oauthTokenGenerate(
      Object.assign(new OAuthTokenGenerateRequest(), { clientId: app.clientId, clientSecret: app.clientSecret, code: location.searchParams.get('code')!, grantType: 'authorization_code', state: 'signed-state' }),
    );
    expect(generated.body.tokenType).toBe('Bearer');
    expect(generated.body.expiresIn).toBe(3600);
    const account = await accountApi(h, { accessToken: generated.body.accessToken! }).accountGet();
    expect(account.body.account?.emailAddress).toBe(RAHUL.email);

    const refreshed = await oauthApi(h).oauthTokenRefresh(
      Object.assign(new OAuthTokenRefreshRequest(), { grantType: 'refresh_token', refreshToken: generated.body.refreshToken!, clientId: app.clientId, clientSecret: app.clientSecret }),
    );
    expect(refreshed.body.accessToken).not.toBe(generated.body.accessToken);
    const old = await httpError(accountApi(h, { accessToken: generated.body.accessToken! }).accountGet());
    expect(old.statusCode).toBe(401);
    expect(old.body.error.errorName).toBe('unauthorized');
    const again = await accountApi(h, { accessToken: refreshed.body.accessToken! }).accountGet();
    expect(again.body.account?.accountId).toBe(account.body.account?.accountId);
  });

  it('S1: a code is single-use; a revoked grant answers 401 and cannot be refreshed', async () => {
    const app = h.ctx.app.dropboxSign;
    const { location } = await authorizeCode(h, RAHUL.email, 's');
    const request = Object.assign(new OAuthTokenGenerateRequest(), { clientId: app.clientId, clientSecret: app.clientSecret, code: location.searchParams.get('code')!, grantType: 'authorization_code', state: 's' });
    const tokens = (await oauthApi(h).oauthTokenGenerate(request)).body;
    expect((await httpError(oauthApi(h).oauthTokenGenerate(request))).statusCode).toBe(400);
    h.sign.revokeAll(RAHUL.email);
    expect((await httpError(accountApi(h, { accessToken: tokens.accessToken! }).accountGet())).statusCode).toBe(401);
    const refresh = await httpError(oauthApi(h).oauthTokenRefresh(Object.assign(new OAuthTokenRefreshRequest(), { grantType: 'refresh_token', refreshToken: tokens.refreshToken! })));
    expect(refresh.statusCode).toBe(400);
    expect(refresh.body.error.errorName).toBe('invalid_grant');
  });

  it('S1: denying consent redirects with error=access_denied and no code', async () => {
    const { location } = await authorizeCode(h, RAHUL.email, 's', 'deny');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('S1: API key auth is Basic with the key as user; a wrong key is 401 in the error envelope', async () => {
    expect((await accountApi(h, OLIVIA).accountGet()).body.account?.emailAddress).toBe(OLIVIA.email);
    const response = await fetch(`${h.apiBase}/account`, { headers: { authorization: `Basic ${Buffer.from('nope:').toString('base64')}` } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { error_msg: 'Unauthorized api key.', error_name: 'unauthorized' } });
  });
});

describe('S5 sending signature requests', () => {
  it('S5: multipart send with files[] stores the uploaded PDF and returns the request', async () => {
    const api = signatureApi(h, RAHUL);
    const sent: { contentType: string; fields: string[] }[] = [];
    api.addInterceptor((config) => {
      const data = config.data as { getBuffer?: () => Buffer };
      sent.push({ contentType: String(config.headers?.['content-type']), fields: [...(data.getBuffer?.().toString('latin1') ?? '').matchAll(/name="([^"]+)"/g)].map((m) => m[1]) });
    });
    const { body } = await api.signatureRequestSend({
      title: 'Contract',
      signers: [{ name: 'Ada Lovelace', email_address: ADA.email }],
      files: [pdfFile()],
      ccEmailAddresses: [NINA.email],
      metadata: { crm_deal_id: '42' },
      subject: 'Please sign',
    } as never);
    // What the SDK really sends with files: multipart, files[0], JSON-encoded signers/metadata.
    expect(sent[0].contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent[0].fields).toEqual(expect.arrayContaining(['files[0]', 'signers', 'cc_email_addresses', 'metadata', 'title']));
    const request = body.signatureRequest!;
    expect(request.isComplete).toBe(false);
    expect(request.requesterEmailAddress).toBe(RAHUL.email);
    expect(request.ccEmailAddresses).toEqual([NINA.email]);
    expect(request.metadata).toEqual({ crm_deal_id: '42' });
    expect(request.signatures?.[0].statusCode).toBe('awaiting_signature');
    const stored = h.sign.store.find(request.signatureRequestId!)!;
    expect(Buffer.from(stored.documents[0].base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    expect(stored.documents[0].name).toBe('contract.pdf');
  });

  it('S5: JSON send with file_urls makes the emulator download the document', async () => {
    const pdf = buildPdf(['From a URL']);
    const files = createServer((_req, res) => res.end(pdf));
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/offer.pdf`;
      const api = signatureApi(h, RAHUL);
      const contentTypes: string[] = [];
      api.addInterceptor((config) => void contentTypes.push(String(config.headers?.['content-type'])));
      const { body } = await api.signatureRequestSend({ title: 'Offer', signers: [{ name: 'Ada', email_address: ADA.email }], file_urls: [url] } as never);
      expect(contentTypes).toEqual(['application/json']);
      const stored = h.sign.store.find(body.signatureRequest!.signatureRequestId!)!;
      expect(stored.documents[0].name).toBe('offer.pdf');
      expect(Buffer.from(stored.documents[0].base64, 'base64').equals(pdf)).toBe(true);
    } finally {
      files.close();
    }
  });

  it('S5: a send without signers is 400 bad_request with error_path', async () => {
    const error = await httpError(signatureApi(h, RAHUL).signatureRequestSend({ title: 'x', signers: [], files: [pdfFile()] } as never));
    expect(error.statusCode).toBe(400);
    expect(error.body.error.errorName).toBe('bad_request');
    expect(error.body.error.errorPath).toBe('signers');
  });
});

describe('S2 what /signature_request/list can and cannot see', () => {
  it('S2: pages with page/page_size and list_info; page_size over 100 is rejected', async () => {
    for (let i = 0; i < 23; i++) await sendWithFile(RAHUL.apiKey, { title: `Quote ${i}` });
    h.sign.config({ rateLimitStandard: 1000 });
    const api = signatureApi(h, RAHUL);
    const first = await api.signatureRequestList(undefined, 1, 10);
    expect(first.body.listInfo).toMatchObject({ page: 1, numPages: 3, pageSize: 10 });
    const total = first.body.listInfo!.numResults!;
    const seen = new Set<string>();
    for (let page = 1; page <= 3; page++) for (const r of (await api.signatureRequestList(undefined, page, 10)).body.signatureRequests!) seen.add(r.signatureRequestId!);
    expect(seen.size).toBe(total);
    expect(first.body.signatureRequests![0].title).toBe('Quote 22'); // newest first
    const error = await httpError(api.signatureRequestList(undefined, 1, 101));
    expect(error.statusCode).toBe(400);
    expect(error.body.error.errorPath).toBe('page_size');
  });

  it('S2: sent and received requests are listed, CC-only ones are not (but can be fetched by id)', async () => {
    const request = await sendWithFile(RAHUL.apiKey, { title: 'CC test', ccEmailAddresses: [NINA.email] });
    const ninaList = (await signatureApi(h, NINA).signatureRequestList(undefined, 1, 100)).body.signatureRequests!;
    expect(ninaList.map((r) => r.signatureRequestId)).not.toContain(request.signatureRequestId);
    const adaList = (await signatureApi(h, ADA).signatureRequestList(undefined, 1, 100)).body.signatureRequests!;
    expect(adaList.map((r) => r.signatureRequestId)).toContain(request.signatureRequestId);
    const rahulList = (await signatureApi(h, RAHUL).signatureRequestList(undefined, 1, 100)).body.signatureRequests!;
    expect(rahulList.map((r) => r.signatureRequestId)).toContain(request.signatureRequestId);
    expect((await signatureApi(h, NINA).signatureRequestGet(request.signatureRequestId!)).body.signatureRequest?.title).toBe('CC test');
  });

  it('S4: account_id=all lists every team member\'s requests for a team admin and is forbidden for members', async () => {
    const request = await sendWithFile(RAHUL.apiKey, { title: 'Team visible' });
    const all = (await signatureApi(h, OLIVIA).signatureRequestList('all', 1, 100)).body.signatureRequests!;
    expect(all.map((r) => r.signatureRequestId)).toContain(request.signatureRequestId);
    const own = (await signatureApi(h, OLIVIA).signatureRequestList(undefined, 1, 100)).body.signatureRequests!;
    expect(own.map((r) => r.signatureRequestId)).not.toContain(request.signatureRequestId);
    const error = await httpError(signatureApi(h, RAHUL).signatureRequestList('all', 1, 20));
    expect(error.statusCode).toBe(403);
    expect(error.body.error.errorName).toBe('forbidden');
  });

  it('S2: query filters by title, from:me and complete', async () => {
    await sendWithFile(RAHUL.apiKey, { title: 'Alpha lease' });
    await sendWithFile(RAHUL.apiKey, { title: 'Beta lease' });
    const result = await signatureApi(h, RAHUL).signatureRequestList(undefined, 1, 100, 'title:Alpha AND from:me');
    expect(result.body.signatureRequests!.map((r) => r.title)).toEqual(['Alpha lease']);
    const incomplete = await signatureApi(h, RAHUL).signatureRequestList(undefined, 1, 100, 'complete:false AND lease');
    expect(incomplete.body.signatureRequests).toHaveLength(2);
  });
});

describe('B7 files: 409 while being prepared, then the signed PDF', () => {
  it('B7: files answer 409 right after send and after the last signature, then 200 with a visibly signed PDF', async () => {
    const request = await sendWithFile(RAHUL.apiKey);
    const id = request.signatureRequestId!;
    const api = signatureApi(h, RAHUL);
    const early = await httpError(api.signatureRequestFiles(id, 'pdf'));
    expect(early.statusCode).toBe(409);
    // The SDK asks axios for an arraybuffer, so the error envelope is only in the raw bytes.
    expect(JSON.parse(Buffer.from(early.response.data as ArrayBuffer).toString('utf8')).error.error_name).toBe('conflict');
    expect((await httpError(api.signatureRequestFilesAsFileUrl(id))).statusCode).toBe(409);
    h.advanceClock(5_000);
    const original = await api.signatureRequestFiles(id, 'pdf');
    expect(original.body.toString('latin1')).toContain('(Contract) Tj');

    h.sign.sign(id, ADA.email);
    expect((await httpError(api.signatureRequestFiles(id, 'pdf'))).statusCode).toBe(409);
    h.advanceClock(5_000);
    const signed = await api.signatureRequestFiles(id, 'pdf');
    const text = signed.body.toString('latin1');
    expect(text.startsWith('%PDF-1.4')).toBe(true);
    expect(text).toContain('Signed by Ada Lovelace <ada@contoso.example> on');
    const zip = await api.signatureRequestFiles(id, 'zip');
    expect(zip.body.readUInt32LE(0)).toBe(0x04034b50);
    const dataUri = await api.signatureRequestFilesAsDataUri(id);
    expect(dataUri.body.dataUri!.startsWith('data:application/pdf;base64,')).toBe(true);
    const link = await api.signatureRequestFilesAsFileUrl(id);
    const download = await fetch(link.body.fileUrl!);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await download.arrayBuffer()).toString('latin1')).toContain('Signed by Ada Lovelace');
  });

  it('B7: a canceled request is gone (410) and leaves /list; reminders reach awaiting signers only', async () => {
    const request = await sendWithFile(RAHUL.apiKey);
    const id = request.signatureRequestId!;
    const api = signatureApi(h, RAHUL);
    const reminded = await api.signatureRequestRemind(id, { email_address: ADA.email } as never);
    expect(reminded.body.signatureRequest?.signatures?.[0].lastRemindedAt).toBeTypeOf('number');
    expect((await httpError(signatureApi(h, ADA).signatureRequestCancel(id))).statusCode).toBe(403);
    await api.signatureRequestCancel(id);
    const gone = await httpError(api.signatureRequestGet(id));
    expect(gone.statusCode).toBe(410);
    expect(gone.body.error.errorName).toBe('deleted');
    expect((await api.signatureRequestList(undefined, 1, 100)).body.signatureRequests!.map((r) => r.signatureRequestId)).not.toContain(id);
  });
});

describe('S4 team', () => {
  it('S4: /team lists members with role codes; /team/members pages with roles; outsiders get 404', async () => {
    const team = await teamApi(h, OLIVIA).teamGet();
    expect(team.body.team?.name).toBe('Northwind Traders');
    expect(team.body.team?.accounts?.map((a) => [a.emailAddress, a.roleCode])).toEqual([
      [OLIVIA.email, 'a'],
      [RAHUL.email, 'm'],
      [NINA.email, 'm'],
    ]);
    const teamId = (await accountApi(h, OLIVIA).accountGet()).body.account!.teamId!;
    const members = await teamApi(h, OLIVIA).teamMembers(teamId, 1, 2);
    expect(members.body.teamMembers?.map((m) => m.role)).toEqual(['Admin', 'Member']);
    expect(members.body.listInfo?.numPages).toBe(2);
    const outsider = await httpError(teamApi(h, ADA).teamGet());
    expect(outsider.statusCode).toBe(404);
    expect(outsider.body.error.errorName).toBe('not_found');
  });
});

describe('B1 callbacks', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let answers: { status: number; body: string }[] = [];
  beforeEach(async () => {
    answers = [];
    receiver = await startReceiver((n) => answers[n - 1] ?? { status: 200, body: 'Hello API Event Received' });
  });
  afterEach(async () => receiver.close());

  it('B1: account callbacks are multipart `json` with event_hash = HMAC-SHA256(api key, time + type); a wrong key is detectable', async () => {
    await accountApi(h, RAHUL).accountUpdate({ callback_url: receiver.url } as never);
    const request = await sendWithFile(RAHUL.apiKey);
    h.sign.sign(request.signatureRequestId!, ADA.email);
    await h.sign.callbacks.flush();
    expect(receiver.received[0].contentType).toMatch(/^multipart\/form-data; boundary=/);
    // Deliveries run concurrently (like the vendor's, no ordering promise): order from the dispatch log, content from the receiver.
    expect(h.sign.callbacks.deliveries.map((d) => d.eventType)).toEqual(['signature_request_sent', 'signature_request_signed', 'signature_request_all_signed']);
    const byType = Object.fromEntries(receiver.events().map((e) => [e.event.event_type, e]));
    expect(Object.keys(byType).sort()).toEqual(['signature_request_all_signed', 'signature_request_sent', 'signature_request_signed']);
    for (const raw of receiver.received) {
      const parsed = EventCallbackRequest.init(JSON.parse(raw.json));
      expect(EventCallbackHelper.isValid(RAHUL.apiKey, parsed)).toBe(true);
      expect(EventCallbackHelper.isValid('some-other-key', parsed)).toBe(false);
      expect(EventCallbackHelper.getCallbackType(parsed)).toBe('account_callback');
    }
    expect(byType.signature_request_signed.event.event_metadata.related_signature_id).toBe(request.signatures![0].signatureId);
    h.advanceClock(5_000);
    await signatureApi(h, RAHUL).signatureRequestGet(request.signatureRequestId!); // any call settles due work
    await h.sign.callbacks.flush();
    expect(receiver.events().at(-1)?.event.event_type).toBe('signature_request_downloadable');
  });

  it('B1: a receiver that does not answer "Hello API Event Received" gets the event again on the retry schedule', async () => {
    h.sign.config({ callbackRetryDelaysMs: [30, 30] });
    answers = [{ status: 200, body: 'OK' }, { status: 500, body: 'oops' }];
    await accountApi(h, RAHUL).accountUpdate({ callback_url: receiver.url } as never);
    await sendWithFile(RAHUL.apiKey);
    await h.sign.callbacks.flush();
    await expect.poll(() => receiver.received.length, { timeout: 2000 }).toBe(3);
    const delivery = h.sign.callbacks.deliveries.find((d) => d.eventType === 'signature_request_sent')!;
    await expect.poll(() => delivery.status).toBe('delivered');
    expect(delivery.attempts.map((a) => a.status)).toEqual([200, 500, 200]);
    const [a, b, c] = receiver.received.map((r) => r.json);
    expect(a).toBe(b);
    expect(b).toBe(c);
  });

  it('B1: the retry schedule follows the emulated clock (admin callbacks/retry-due)', async () => {
    h.sign.config({ callbackRetryDelaysMs: [60 * 60_000] });
    answers = [{ status: 500, body: '' }];
    await accountApi(h, RAHUL).accountUpdate({ callback_url: receiver.url } as never);
    await sendWithFile(RAHUL.apiKey);
    await h.sign.callbacks.flush();
    const delivery = h.sign.callbacks.deliveries[0];
    expect(delivery).toMatchObject({ status: 'pending', attempts: [expect.objectContaining({ status: 500 })] });
    await fetch(`${h.oauthBase}/_admin/callbacks/retry-due`, { method: 'POST' });
    expect(delivery.attempts).toHaveLength(1); // not due yet
    h.advanceClock(60 * 60_000);
    const log = await (await fetch(`${h.oauthBase}/_admin/callbacks/retry-due`, { method: 'POST' })).json();
    expect(log).toEqual({ ok: true });
    expect(delivery).toMatchObject({ status: 'delivered', attempts: [expect.anything(), expect.objectContaining({ status: 200 })] });
    const listed = (await (await fetch(`${h.oauthBase}/_admin/callbacks`)).json()) as { deliveries: { id: string; status: string }[] };
    expect(listed.deliveries.find((d) => d.id === delivery.id)?.status).toBe('delivered');
  });

  it('B1: callback_test carries the account and a valid hash', async () => {
    await accountApi(h, RAHUL).accountUpdate({ callback_url: receiver.url } as never);
    await fetch(`${h.oauthBase}/_admin/accounts/${encodeURIComponent(RAHUL.email)}/callback-test`, { method: 'POST' });
    await h.sign.callbacks.flush();
    const [event] = receiver.events();
    expect(event.event.event_type).toBe('callback_test');
    expect((event as unknown as { account: { email_address: string } }).account.email_address).toBe(RAHUL.email);
    expect(EventCallbackHelper.isValid(RAHUL.apiKey, EventCallbackRequest.init(event))).toBe(true);
  });

  it('B1: gives up after the last retry', async () => {
    h.sign.config({ callbackRetryDelaysMs: [10] });
    answers = [{ status: 404, body: '' }, { status: 404, body: '' }];
    await accountApi(h, RAHUL).accountUpdate({ callback_url: receiver.url } as never);
    await sendWithFile(RAHUL.apiKey);
    const delivery = h.sign.callbacks.deliveries[0];
    await expect.poll(() => delivery.status, { timeout: 2000 }).toBe('failed');
    expect(delivery.attempts).toHaveLength(2);
  });

  it('B1: requests created through the OAuth app also reach the app callback URL, keyed with the app owner\'s API key', async () => {
    h.sign.getState().apps[h.ctx.app.dropboxSign.clientId].eventCallbackUrl = receiver.url;
    const app = h.ctx.app.dropboxSign;
    const { location } = await authorizeCode(h, RAHUL.email, 's');
    const tokens = (await oauthApi(h).oauthTokenGenerate(Object.assign(new OAuthTokenGenerateRequest(), { clientId: app.clientId, clientSecret: app.clientSecret, code: location.searchParams.get('code')!, grantType: 'authorization_code', state: 's' }))).body;
    const { body } = await signatureApi(h, { accessToken: tokens.accessToken! }).signatureRequestSend({ title: 'Via app', signers: [{ name: 'Ada', email_address: ADA.email }], files: [pdfFile()] } as never);
    await h.sign.callbacks.flush();
    const [event] = receiver.events();
    const parsed = EventCallbackRequest.init(event);
    expect(EventCallbackHelper.getCallbackType(parsed)).toBe('app_callback');
    expect(EventCallbackHelper.isValid(app.ownerApiKey, parsed)).toBe(true);
    expect((event as unknown as { client_id: string }).client_id).toBe(app.clientId);
    expect(event.signature_request?.signature_request_id).toBe(body.signatureRequest?.signatureRequestId);
  });

  it('S2: CC-only accounts get no account callback unless the (undocumented) behaviour is switched on', async () => {
    h.sign.account(NINA.email).callbackUrl = receiver.url;
    await sendWithFile(RAHUL.apiKey, { ccEmailAddresses: [NINA.email] });
    await h.sign.callbacks.flush();
    expect(receiver.received).toHaveLength(0);
    h.sign.config({ callbacksToCcAccounts: true });
    await sendWithFile(RAHUL.apiKey, { ccEmailAddresses: [NINA.email] });
    await h.sign.callbacks.flush();
    expect(receiver.events().map((e) => e.event.event_metadata.reported_for_account_id)).toEqual([h.sign.account(NINA.email).accountId]);
  });
});

describe('B10 rate limits', () => {
  it('B10: every answer carries X-RateLimit headers; over the limit is 429 exceeded_rate', async () => {
    h.sign.config({ rateLimitStandard: 3 });
    const api = accountApi(h, ADA);
    const first = await api.accountGet();
    expect(first.response.headers['x-ratelimit-limit']).toBe('3');
    expect(first.response.headers['x-ratelimit-remaining']).toBe('2');
    expect(Number(first.response.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    await api.accountGet();
    await api.accountGet();
    const limited = await httpError(api.accountGet());
    expect(limited.statusCode).toBe(429);
    expect(limited.body.error).toMatchObject({ errorName: 'exceeded_rate', errorMsg: 'Too many requests.' });
    expect(limited.response.headers['x-ratelimit-remaining']).toBe('0');
    h.advanceClock(61_000);
    expect((await api.accountGet()).response.status).toBe(200);
  });

  it('B10: fault rules answer in place of the API', async () => {
    h.sign.faults.add({ path: '^/v3/account', status: 503, times: 1, body: { error: { error_msg: 'Maintenance', error_name: 'maintenance' } } });
    // The SDK wraps only 4XX answers in HttpError; a 5XX is the raw AxiosError.
    const error = await accountApi(h, ADA).accountGet().then(() => null, (e: unknown) => e as { response?: { status: number }; name: string });
    expect(error).not.toBeInstanceOf(HttpError);
    expect(error?.response?.status).toBe(503);
    expect((await accountApi(h, ADA).accountGet()).response.status).toBe(200);
  });
});
