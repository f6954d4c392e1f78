/** The dropbox.com-like web UI (real writes) and webhooks to the app's registered URI. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookSignature } from './webhooks';
import { sdk, startDropboxSandbox, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@gmail.com';
const RAHUL = 'rahul.northwind@gmail.com';

type Received = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
let sandbox: TestSandbox;
let receiver: Server;
let receiverUrl: string;
let received: Received[];
let answerStatus = 200;

beforeAll(async () => {
  sandbox = await startDropboxSandbox();
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/plain');
      res.setHeader('x-content-type-options', 'nosniff');
      res.end(url.searchParams.get('challenge') ?? '');
      return;
    }
    res.statusCode = answerStatus;
    res.end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/dropbox`;
});
afterAll(async () => {
  await sandbox.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});
beforeEach(async () => {
  sandbox.dropbox.reset();
  received = [];
  answerStatus = 200;
  expect(await sandbox.dropbox.registerWebhook(receiverUrl)).toMatchObject({ ok: true });
  received = [];
});

const form = (path: string, fields: Record<string, string>) =>
  fetch(`${sandbox.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
const multipart = (path: string, fields: Record<string, string>, file: { name: string; text: string }) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  data.set('file', new Blob([file.text]), file.name);
  return fetch(`${sandbox.url}${path}`, { method: 'POST', redirect: 'manual', body: data });
};

describe('Dropbox webhooks', () => {
  it('B1: signature is hex HMAC-SHA256 of the raw body with the app secret (documented vector)', () => {
    expect(webhookSignature('the_secret', '{"delta": {"users": [12345]}}')).toBe('0a8c16b085420b960dc78664279fe09e936a2a01b1f91064869d9e77dfd64529');
  });

  it('B1: registering a URI runs the challenge GET; a URI that does not echo it is refused', async () => {
    const result = await sandbox.dropbox.registerWebhook(receiverUrl);
    expect(result.ok).toBe(true);
    expect(received[0].method).toBe('GET');
    expect(received[0].url).toMatch(/\?challenge=/);
    const bad = await sandbox.dropbox.registerWebhook(`${sandbox.url}/dropbox/home`);
    expect(bad.ok).toBe(false);
    expect(sandbox.dropbox.webhookUrl()).toBe(receiverUrl);
  });

  it('B1: a change in a linked account POSTs list_folder.accounts with X-Dropbox-Signature; unlinked accounts stay silent', async () => {
    const olivia = sandbox.dropbox.issueTokens(OLIVIA);
    await sdk(sandbox, { accessToken: olivia.accessToken }).filesUpload({ path: '/a.txt', contents: Buffer.from('a') });
    sandbox.dropbox.writeFile(RAHUL, '/not-linked.txt', Buffer.from('x')); // Rahul never linked the app
    await sandbox.dropbox.flushWebhooks();
    const posts = received.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    const body = JSON.parse(posts[0].body);
    expect(body).toEqual({ list_folder: { accounts: [olivia.accountId] }, delta: { users: [Number(sandbox.dropbox.account(OLIVIA).uid)] } });
    expect(posts[0].headers['x-dropbox-signature']).toBe(webhookSignature(sandbox.ctx.app.dropbox.appSecret, posts[0].body));
    expect(posts[0].headers['content-type']).toBe('application/json');
    expect(sandbox.dropbox.webhookDeliveries().at(-1)).toMatchObject({ status: 200, accounts: [olivia.accountId] });

    sandbox.dropbox.unlink(OLIVIA);
    received = [];
    sandbox.dropbox.writeFile(OLIVIA, '/after-unlink.txt', Buffer.from('x'));
    await sandbox.dropbox.flushWebhooks();
    expect(received).toEqual([]);
  });

  it('B1: a failed delivery is logged and retried', async () => {
    sandbox.dropbox.issueTokens(OLIVIA);
    answerStatus = 500;
    sandbox.dropbox.writeFile(OLIVIA, '/a.txt', Buffer.from('a'));
    await sandbox.dropbox.flushWebhooks();
    expect(sandbox.dropbox.webhookDeliveries().at(-1)).toMatchObject({ status: 500 });
    answerStatus = 200;
    await expect.poll(() => sandbox.dropbox.webhookDeliveries().at(-1)?.status, { timeout: 4_000, interval: 100 }).toBe(200);
  });
});

describe('Dropbox web UI', () => {
  it('F5: a person uploads, replaces, renames, moves and deletes; each is a real write that fires the webhook', async () => {
    const { accountId } = sandbox.dropbox.issueTokens(OLIVIA);
    const home = await (await fetch(`${sandbox.url}/dropbox/home`)).text();
    expect(home).toContain(OLIVIA);
    expect(home).toContain(RAHUL);
    expect(home).toContain('lotte.bruggebikes@gmail.com');

    const base = `/dropbox/home/${encodeURIComponent(OLIVIA)}`;
    expect((await form(`${base}/folders`, { folder: '', name: 'Deals' })).status).toBe(303);
    const uploaded = await multipart(`${base}/upload`, { folder: '/Deals' }, { name: 'Offer.txt', text: 'v1' });
    expect(uploaded.status).toBe(303);
    expect(new URL(uploaded.headers.get('location')!, sandbox.url).searchParams.get('notice')).toBe('Uploaded Offer.txt.');
    const file = sandbox.dropbox.entry(OLIVIA, '/deals/offer.txt')!;
    expect(sandbox.dropbox.fileBytes(OLIVIA, file.id).toString()).toBe('v1');
    const page = await (await fetch(`${sandbox.url}${base}?path=${encodeURIComponent('/Deals')}`)).text();
    expect(page).toContain('Offer.txt');
    expect(page).toContain('Apps');
    expect(page).toContain('Synclane');

    const rev = file.rev;
    await multipart(`${base}/entries/${encodeURIComponent(file.id)}/replace`, { folder: '/Deals' }, { name: 'whatever.txt', text: 'v2' });
    expect(sandbox.dropbox.entry(OLIVIA, file.id)!.rev).not.toBe(rev);
    expect(sandbox.dropbox.fileBytes(OLIVIA, file.id).toString()).toBe('v2');

    await form(`${base}/entries/${encodeURIComponent(file.id)}/rename`, { folder: '/Deals', name: 'OFFER.txt' });
    expect(sandbox.dropbox.entry(OLIVIA, file.id)!.pathDisplay).toBe('/Deals/OFFER.txt'); // case-only rename in the UI
    await form(`${base}/entries/${encodeURIComponent(file.id)}/rename`, { folder: '/Deals', name: 'Offer final.txt' });
    await form(`${base}/entries/${encodeURIComponent(file.id)}/move`, { folder: '/Deals', to: '/Archive' });
    expect(sandbox.dropbox.entry(OLIVIA, file.id)!.pathDisplay).toBe('/Archive/Offer final.txt');
    const conflict = await form(`${base}/entries/${encodeURIComponent(file.id)}/move`, { folder: '/Archive', to: '/Archive/Offer final.txt' });
    expect(new URL(conflict.headers.get('location')!, sandbox.url).searchParams.get('notice')).toContain('That did not work');
    await form(`${base}/entries/${encodeURIComponent(file.id)}/delete`, { folder: '/Archive' });
    expect(sandbox.dropbox.entry(OLIVIA, file.id)).toBeUndefined();

    await sandbox.dropbox.flushWebhooks();
    const notified = received.filter((r) => r.method === 'POST').flatMap((r) => JSON.parse(r.body).list_folder.accounts);
    expect(notified.length).toBeGreaterThan(0);
    expect(new Set(notified)).toEqual(new Set([accountId]));
  });

  it('F7: disconnecting the app in Dropbox keeps the files and stops its tokens', async () => {
    const tokens = sandbox.dropbox.issueTokens(OLIVIA);
    sandbox.dropbox.writeFile(OLIVIA, '/keep.txt', Buffer.from('k'));
    const response = await form(`/dropbox/home/${encodeURIComponent(OLIVIA)}/unlink`, {});
    expect(response.status).toBe(303);
    expect(sandbox.dropbox.entry(OLIVIA, '/keep.txt')).toBeDefined();
    await expect(sdk(sandbox, { accessToken: tokens.accessToken }).filesListFolder({ path: '' })).rejects.toMatchObject({ status: 401 });
  });

  it('state survives getState/setState (persistence), bytes included', async () => {
    const entry = sandbox.dropbox.writeFile(OLIVIA, '/p.bin', Buffer.from([0, 1, 2, 255]));
    const saved = JSON.parse(JSON.stringify(sandbox.dropbox.getState()));
    sandbox.dropbox.reset();
    expect(sandbox.dropbox.entry(OLIVIA, '/p.bin')).toBeUndefined();
    sandbox.dropbox.setState(saved);
    expect([...sandbox.dropbox.fileBytes(OLIVIA, String(entry.id))]).toEqual([0, 1, 2, 255]);
    expect(sandbox.dropbox.entry(OLIVIA, '/P.BIN')?.id).toBe(entry.id);
  });
});
