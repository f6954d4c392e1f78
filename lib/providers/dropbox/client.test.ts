/**
 * The Dropbox adapter against the in-process emulator: the app's own code paths (SDK on configured hosts,
 * PKCE linking, refresh, streaming transfers, error mapping) with only base URLs pointing at the sandbox.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setEnvForTests } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { InvalidGrantError } from '@/lib/auth/token-manager';
import { consent, startDropboxSandbox, type TestSandbox } from '@/sandbox/dropbox/test-support';
import { DROPBOX_UPLOAD_CHUNK_BYTES, chunks, createDropboxClient, type DropboxClient } from './client';
import { DropboxContentHasher, dropboxContentHash } from './content-hash';
import { isDropboxConflict, isDropboxUnauthorized } from './errors';
import { createDropboxAuthorization, exchangeDropboxCode, refreshDropboxToken, revokeDropboxToken } from './oauth';
import { toConfiguredUrl } from './sdk';
import { verifyWebhookSignature, webhookAccounts } from './webhook';

const OLIVIA = 'olivia.northwind@gmail.com';
const MiB = 1024 * 1024;

let sandbox: TestSandbox;
let token: string;
let refreshToken: string;
let counter: { count: number };
let dropbox: DropboxClient;

beforeAll(async () => {
  sandbox = await startDropboxSandbox();
  const app = sandbox.ctx.app.dropbox;
  setEnvForTests({
    SYNCLANE_ENV: 'sandbox',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'synclane-dropbox-client-')),
    DROPBOX_APP_KEY: app.appKey,
    DROPBOX_APP_SECRET: app.appSecret,
    DROPBOX_API_URL: `${sandbox.url}/dropbox/api`,
    DROPBOX_CONTENT_URL: `${sandbox.url}/dropbox/content`,
    DROPBOX_NOTIFY_URL: `${sandbox.url}/dropbox/notify`,
    DROPBOX_AUTHORIZE_URL: `${sandbox.url}/dropbox/oauth2/authorize`,
  });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.dropbox.reset();
  ({ accessToken: token, refreshToken } = sandbox.dropbox.issueTokens(OLIVIA));
  counter = { count: 0 };
  dropbox = createDropboxClient({ withToken: (call) => call(token), counter, sleep: async () => {} });
});

/** A deterministic byte stream produced lazily in `piece`-sized parts (never materialised as a whole). */
function generated(size: number, piece = 1 * MiB, seed = 7): { stream: Readable; hash: string } {
  const hasher = new DropboxContentHasher();
  const part = (offset: number, length: number) => {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = (offset + i) * seed % 251;
    return out;
  };
  for (let offset = 0; offset < size; offset += piece) hasher.update(part(offset, Math.min(piece, size - offset)));
  const hash = hasher.digest();
  async function* produce() {
    for (let offset = 0; offset < size; offset += piece) yield part(offset, Math.min(piece, size - offset));
  }
  return { stream: Readable.from(produce()), hash };
}

/** Requests to one route from now on. */
function watch(route: string): () => number {
  const before = sandbox.dropbox.requests().length;
  return () => sandbox.dropbox.requests().slice(before).filter((r) => r.endsWith(`/2/${route}`)).length;
}

const failure = async (promise: Promise<unknown>) => (await promise.then(() => { throw new Error('expected a failure'); }, (e) => e)) as SyncError;

describe('Dropbox linking (F1)', () => {
  it('F1: authorize URL carries PKCE + offline on the configured host; the code exchange and refresh work through the SDK', async () => {
    const redirectUri = sandbox.ctx.app.dropbox.redirectUris[0];
    const { url, codeVerifier } = await createDropboxAuthorization({ redirectUri, state: 'st.ate+/=' });
    expect(url.startsWith(`${sandbox.url}/dropbox/oauth2/authorize?`)).toBe(true);
    const params = new URL(url).searchParams;
    expect(params.get('token_access_type')).toBe('offline');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('redirect_uri')).toBe(redirectUri);
    expect(params.get('scope')).toBe('account_info.read files.metadata.read files.metadata.write files.content.read files.content.write');
    const { location } = await consent(sandbox, url, OLIVIA);
    expect(location.searchParams.get('state')).toBe('st.ate+/=');

    const link = await exchangeDropboxCode({ code: location.searchParams.get('code')!, redirectUri, codeVerifier });
    expect(link).toMatchObject({ accountId: sandbox.dropbox.account(OLIVIA).accountId, email: OLIVIA, displayName: 'Olivia Admin' });
    expect(link.tokens.refreshToken).toEqual(expect.any(String));
    expect(link.tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3.9 * 3600_000);

    const fresh = await refreshDropboxToken(link.tokens.refreshToken!);
    expect(fresh.accessToken).not.toBe(link.tokens.accessToken);
    expect(fresh.refreshToken).toBeNull(); // Dropbox refresh tokens do not rotate
    const viaFresh = createDropboxClient({ withToken: (call) => call(fresh.accessToken) });
    expect((await viaFresh.getCurrentAccount()).email).toBe(OLIVIA);

    await revokeDropboxToken(fresh.accessToken);
    await expect(refreshDropboxToken(link.tokens.refreshToken!)).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it('R2: a 401 is left for the token manager, which refreshes once and retries', async () => {
    sandbox.dropbox.expireAccessTokens();
    const raw = await dropbox.listFolder('').catch((e) => e);
    expect(isDropboxUnauthorized(raw)).toBe(true);

    let current = token;
    let refreshes = 0;
    const managed = createDropboxClient({
      withToken: async (call) => {
        try {
          return await call(current);
        } catch (error) {
          if (!isDropboxUnauthorized(error)) throw error;
          refreshes++;
          current = (await refreshDropboxToken(refreshToken)).accessToken;
          return call(current);
        }
      },
    });
    expect((await managed.listFolder('')).entries).toEqual([]);
    expect(refreshes).toBe(1);
  });

  it('configuration: real Dropbox hosts map to the configured base URLs, other URLs pass through', () => {
    expect(toConfiguredUrl('https://api.dropboxapi.com/2/files/list_folder')).toBe(`${sandbox.url}/dropbox/api/2/files/list_folder`);
    expect(toConfiguredUrl('https://api.dropboxapi.com/oauth2/token?x=1')).toBe(`${sandbox.url}/dropbox/api/oauth2/token?x=1`);
    expect(toConfiguredUrl('https://content.dropboxapi.com/2/files/upload')).toBe(`${sandbox.url}/dropbox/content/2/files/upload`);
    expect(toConfiguredUrl('https://notify.dropboxapi.com/2/files/list_folder/longpoll')).toBe(`${sandbox.url}/dropbox/notify/2/files/list_folder/longpoll`);
    expect(toConfiguredUrl('https://api.dropboxapi.com.evil.example/2/x')).toBe('https://api.dropboxapi.com.evil.example/2/x');
  });
});

describe('Dropbox transfers stream (F6)', () => {
  it('F6: a 20 MiB stream goes up in 8 MiB session chunks and comes back as a verified stream', async () => {
    const size = 20 * MiB + 123;
    const { stream, hash } = generated(size);
    const starts = watch('files/upload_session/start');
    const appends = watch('files/upload_session/append_v2');
    const finishes = watch('files/upload_session/finish');
    const simple = watch('files/upload');

    const entry = await dropbox.uploadStream('/Deals/Big deal (7)/drawing.bin', stream, size, { kind: 'add' });
    expect(entry).toMatchObject({ kind: 'file', pathDisplay: '/Deals/Big deal (7)/drawing.bin', size, contentHash: hash });
    expect([starts(), appends(), finishes(), simple()]).toEqual([1, 1, 1, 0]);
    expect(counter.count).toBe(3);

    const download = await dropbox.downloadStream(entry.id);
    expect(download.entry).toMatchObject({ id: entry.id, rev: entry.rev, size });
    const hasher = new DropboxContentHasher();
    let received = 0;
    let largest = 0;
    const reader = download.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const part = read.value;
      hasher.update(part);
      received += part.length;
      largest = Math.max(largest, part.length);
    }
    expect(received).toBe(size);
    expect(hasher.digest()).toBe(hash);
    expect(largest).toBeLessThan(size); // delivered in pieces, not as one buffer

    const partial = await dropbox.downloadStream(entry.id, { range: { start: 10, end: 19 } });
    expect(partial.partial).toBe(true);
    const bytes = Buffer.from(await new Response(partial.body).arrayBuffer());
    expect([...bytes]).toEqual(Array.from({ length: 10 }, (_, i) => ((10 + i) * 7) % 251));
  });

  it('B10: a download whose bytes do not match its content_hash fails instead of passing corrupt data on', async () => {
    const entry = await dropbox.uploadStream('/real.txt', Readable.from([Buffer.from('the real bytes')]), 14, { kind: 'add' });
    const result = { name: 'real.txt', id: entry.id, path_lower: '/real.txt', path_display: '/real.txt', rev: entry.rev, size: 14, server_modified: entry.serverModified, content_hash: entry.contentHash };
    sandbox.dropbox.faults.add({ path: 'files/download$', status: 200, times: 1, headers: { 'content-type': 'application/octet-stream', 'dropbox-api-result': JSON.stringify(result) }, body: 'the fake bytes' });
    const download = await dropbox.downloadStream(entry.id);
    await expect(new Response(download.body).arrayBuffer()).rejects.toMatchObject({ code: 'temporary' });
    const good = await dropbox.downloadStream(entry.id);
    expect(await new Response(good.body).text()).toBe('the real bytes');
  });

  it('F6: small files go up in one files/upload with a content_hash; a short stream is refused', async () => {
    const entry = await dropbox.uploadStream('/note.txt', Readable.from([Buffer.from('hello '), Buffer.from('world')]), 11, { kind: 'add' });
    expect(entry.contentHash).toBe(dropboxContentHash(Buffer.from('hello world')));
    expect(counter.count).toBe(1);
    const short = await failure(dropbox.uploadStream('/short.txt', Readable.from([Buffer.from('abc')]), 10, { kind: 'add' }));
    expect(short).toMatchObject({ code: 'validation' });
    const long = await failure(dropbox.uploadStream('/long.txt', Readable.from([Buffer.from('abcdef')]), 3, { kind: 'add' }));
    expect(long).toMatchObject({ code: 'validation' });
    const empty = await dropbox.uploadStream('/empty.txt', Readable.from([]), 0, { kind: 'add' });
    expect(empty).toMatchObject({ size: 0, contentHash: dropboxContentHash(new Uint8Array()) });
  });

  it('B10: a 429 on a chunk is waited out; a chunk or finish whose answer was lost is not sent twice', async () => {
    const size = 2 * DROPBOX_UPLOAD_CHUNK_BYTES + 5;
    const limited = sandbox.dropbox.rateLimit('too_many_write_operations', { path: 'upload_session/append_v2$', times: 1 });
    const lostAppend = sandbox.dropbox.faults.add({ path: 'upload_session/append_v2$', status: 500, phase: 'after', times: 1 });
    const lostFinish = sandbox.dropbox.faults.add({ path: 'upload_session/finish$', status: 503, phase: 'after', times: 1 });
    const appends = watch('files/upload_session/append_v2');
    const { stream, hash } = generated(size);
    const entry = await dropbox.uploadStream('/retried.bin', stream, size, { kind: 'add' });
    expect(entry).toMatchObject({ size, contentHash: hash });
    const hits = (id: string) => (sandbox.dropbox.faults.list().find((r) => r.id === id) as unknown as { hits: number }).hits;
    expect([hits(limited), hits(lostAppend), hits(lostFinish)]).toEqual([1, 1, 1]);
    // The 429, the applied-but-lost append, then one resend that Dropbox answers
    // incorrect_offset{correct_offset = end of the chunk}, which means "already have it".
    expect(appends()).toBe(3);
    expect(sandbox.dropbox.entries(OLIVIA).filter((e) => e.kind === 'file').map((e) => e.pathDisplay)).toEqual(['/retried.bin']);
  });

  it('F6: chunks() re-slices any stream into fixed-size buffers, byte for byte, in one reused buffer', async () => {
    const out: string[] = [];
    const seen = new Set<ArrayBufferLike>();
    const source = Readable.from([Buffer.from([1, 2, 3]), Buffer.from([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]), Buffer.from([14])]);
    for await (const c of chunks(source, 4)) {
      out.push(c.toString('hex')); // consumed before the next chunk is asked for, as uploadStream does
      seen.add(c.buffer);
    }
    expect(out).toEqual(['01020304', '05060708', '090a0b0c', '0d0e']);
    expect(seen.size).toBe(1);
  });
});

describe('Dropbox adapter operations and error mapping', () => {
  it('F9: ids survive renames; a case-only rename goes through a temporary name', async () => {
    const folder = await dropbox.ensureFolder('/Persons/Ada (42)');
    expect(await dropbox.ensureFolder('/persons/ada (42)')).toMatchObject({ id: folder.id });
    await dropbox.uploadStream('/Persons/Ada (42)/cv.txt', Readable.from([Buffer.from('cv')]), 2, { kind: 'add' });
    const renamed = await dropbox.move(folder.id!, '/Persons/Ada Lovelace (42)');
    expect(renamed).toMatchObject({ id: folder.id, pathDisplay: '/Persons/Ada Lovelace (42)' });
    const cased = await dropbox.move(folder.id!, '/Persons/ADA LOVELACE (42)');
    expect(cased).toMatchObject({ id: folder.id, pathDisplay: '/Persons/ADA LOVELACE (42)' });
    expect(await dropbox.getMetadata('/persons/ada lovelace (42)/cv.txt')).toMatchObject({ kind: 'file', pathDisplay: '/Persons/ADA LOVELACE (42)/cv.txt' });
  });

  it('listing: entries are typed; continue reports changes and deletions; reset → cursor_invalid', async () => {
    await dropbox.uploadStream('/a.txt', Readable.from([Buffer.from('a')]), 1, { kind: 'add' });
    const first = await dropbox.listFolder('', { recursive: true });
    expect(first.entries).toEqual([{ kind: 'file', id: expect.stringMatching(/^id:/), name: 'a.txt', pathLower: '/a.txt', pathDisplay: '/a.txt', rev: expect.any(String), contentHash: dropboxContentHash(Buffer.from('a')), size: 1, serverModified: expect.any(String) }]);
    expect(first.skipped).toEqual([]);
    expect((await dropbox.getLatestCursor('', { recursive: true })).length).toBeGreaterThan(10);
    sandbox.dropbox.deleteEntry(OLIVIA, '/a.txt');
    const next = await dropbox.listFolderContinue(first.cursor);
    expect(next.entries).toEqual([expect.objectContaining({ kind: 'deleted', id: null, pathLower: '/a.txt' })]);
    sandbox.dropbox.resetCursors(OLIVIA);
    expect(await failure(dropbox.listFolderContinue(next.cursor))).toMatchObject({ code: 'cursor_invalid', options: { vendor: 'dropbox' } });
  });

  it('B1: longpoll wakes up on a change', async () => {
    const cursor = await dropbox.getLatestCursor('', { recursive: true });
    sandbox.dropbox.config({ longpollMaxWaitMs: 5_000 });
    const waiting = dropbox.longpoll(cursor, 30);
    setTimeout(() => sandbox.dropbox.writeFile(OLIVIA, '/x.txt', Buffer.from('x')), 30);
    expect(await waiting).toEqual({ changes: true, backoffSeconds: null });
  });

  it('errors: not_found → null or not_found, conflicts → precondition_failed, 429 → rate_limited with Retry-After, full → validation', async () => {
    expect(await dropbox.getMetadata('/missing')).toBeNull();
    expect(await dropbox.deleteEntry('/missing')).toBeNull();
    expect(await failure(dropbox.downloadStream('/missing.txt'))).toMatchObject({ code: 'not_found' });

    const v1 = await dropbox.uploadStream('/offer.txt', Readable.from([Buffer.from('v1')]), 2, { kind: 'add' });
    await dropbox.uploadStream('/offer.txt', Readable.from([Buffer.from('v2')]), 2, { kind: 'update', rev: v1.rev });
    const stale = await failure(dropbox.uploadStream('/offer.txt', Readable.from([Buffer.from('v3')]), 2, { kind: 'update', rev: v1.rev }, { strictConflict: true }));
    expect(stale).toMatchObject({ code: 'precondition_failed', options: { status: 409, detail: { summary: 'path/conflict/file/..' } } });
    expect(isDropboxConflict(stale)).toBe(true);
    const copy = await dropbox.uploadStream('/offer.txt', Readable.from([Buffer.from('v3')]), 2, { kind: 'update', rev: v1.rev }, { autorename: true });
    expect(copy.name).toBe('offer (conflicted copy).txt');

    sandbox.dropbox.rateLimit('too_many_requests', { path: 'files/list_folder$', retryAfterSeconds: 12 });
    expect(await failure(dropbox.listFolder(''))).toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 12_000 } });
    sandbox.dropbox.rateLimit('too_many_write_operations', { path: 'files/delete_v2$', retryAfterSeconds: 2 });
    expect(await failure(dropbox.deleteEntry('/offer.txt'))).toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 2_000 } });

    sandbox.dropbox.getState().accounts[sandbox.dropbox.account(OLIVIA).accountId].quotaBytes = 5;
    expect(await failure(dropbox.uploadStream('/more.txt', Readable.from([Buffer.from('abcdef')]), 6, { kind: 'add' }))).toMatchObject({ code: 'validation', options: { detail: { reason: 'insufficient_space' } } });
    sandbox.dropbox.faults.add({ path: 'files/get_metadata$', status: 503, times: 1 });
    expect(await failure(dropbox.getMetadata('/offer.txt'))).toMatchObject({ code: 'temporary' });
  });

  it('B1: webhook signatures verify over the raw body with the app secret and fail closed', () => {
    const body = '{"list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]}, "delta": {"users": [12345678]}}';
    const signature = createHmac('sha256', 'the_secret').update(body).digest('hex');
    expect(verifyWebhookSignature(body, signature, 'the_secret')).toBe(true);
    expect(verifyWebhookSignature(`${body} `, signature, 'the_secret')).toBe(false);
    expect(verifyWebhookSignature(body, signature, 'other')).toBe(false);
    expect(verifyWebhookSignature(body, null, 'the_secret')).toBe(false);
    expect(verifyWebhookSignature(body, 'zz', 'the_secret')).toBe(false);
    expect(verifyWebhookSignature('{"delta": {"users": [12345]}}', '0a8c16b085420b960dc78664279fe09e936a2a01b1f91064869d9e77dfd64529', 'the_secret')).toBe(true);
    expect(webhookAccounts(JSON.parse(body))).toEqual(['dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc']);
    expect(webhookAccounts({ nonsense: true })).toEqual([]);
  });
});
