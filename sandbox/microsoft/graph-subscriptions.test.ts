import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { graphClient, signIn, startMicrosoftSandbox, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@outlook.com';

/** A listener that answers the handshake the way `mode` says and records notification bodies. */
type Listener = { url: string; mode: 'echo' | 'wrong' | 'slow-json'; bodies: unknown[]; close(): Promise<void> };
async function listener(): Promise<Listener> {
  const l = { mode: 'echo', bodies: [] as unknown[] } as Listener;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const token = url.searchParams.get('validationToken');
    if (token !== null) {
      if (l.mode === 'echo') res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      else if (l.mode === 'wrong') res.writeHead(200, { 'content-type': 'text/plain' }).end('not the token');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(token));
      return;
    }
    l.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(202).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  l.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  l.close = () => new Promise<void>((r) => server.close(() => r()));
  return l;
}

let sandbox: TestSandbox;
let client: Client;
let hook: Listener;
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a GraphError'); }, (e: GraphError) => e);
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

beforeAll(async () => {
  sandbox = await startMicrosoftSandbox();
  hook = await listener();
});
afterAll(async () => {
  await sandbox.close();
  await hook.close();
});
beforeEach(async () => {
  sandbox.microsoft.reset();
  hook.mode = 'echo';
  hook.bodies.length = 0;
  const token = (await signIn(sandbox, OLIVIA)).tokens.access_token;
  client = graphClient(sandbox, () => token);
});

const clients = () => sandbox.microsoft.folders(OLIVIA).find((f) => f.displayName === 'Clients')!;
const create = (patch: Record<string, unknown> = {}) =>
  client.api('/subscriptions').post({
    changeType: 'created,updated,deleted',
    notificationUrl: hook.url,
    lifecycleNotificationUrl: hook.url,
    resource: `me/contactFolders/${clients().id}/contacts`,
    expirationDateTime: inMinutes(4000),
    clientState: 'secret-state',
    ...patch,
  });

describe('Graph change notifications emulator (through @microsoft/microsoft-graph-client)', () => {
  it('MG-S1: create validates both URLs (text/plain echo) and answers 201 with the subscription', async () => {
    const sub = await create();
    expect(sub).toMatchObject({ id: expect.any(String), changeType: 'created,updated,deleted', clientState: 'secret-state', resource: `me/contactFolders/${clients().id}/contacts` });
    expect(sandbox.microsoft.notificationLog().filter((d) => d.kind === 'validation').map((d) => d.status)).toEqual([200, 200]);
  });

  it('MG-S2: a listener that does not echo the token as text/plain 200 fails the create with 400', async () => {
    for (const mode of ['wrong', 'slow-json'] as const) {
      hook.mode = mode;
      const e = await fail(create());
      expect(e.statusCode).toBe(400);
      expect(e.code).toBe('ValidationError');
    }
    expect(sandbox.microsoft.subscriptions(OLIVIA)).toEqual([]);
  });

  it('MG-S3: expiry beyond 4230 minutes, an unknown folder or changeType are refused', async () => {
    expect((await fail(create({ expirationDateTime: inMinutes(4231) }))).statusCode).toBe(400);
    expect((await fail(create({ expirationDateTime: inMinutes(-1) }))).statusCode).toBe(400);
    expect((await fail(create({ resource: 'me/contactFolders/AAMkNOPE0000000000000000000000/contacts' }))).statusCode).toBe(404);
    expect((await fail(create({ changeType: 'exploded' }))).statusCode).toBe(400);
  });

  it('MG-S4: a write in the folder delivers a changeNotificationCollection with clientState; other folders do not', async () => {
    const sub = await create();
    const [c] = sandbox.microsoft.contacts(OLIVIA, clients().id);
    sandbox.microsoft.updateContact(OLIVIA, c!.regularId, { jobTitle: 'Changed' });
    sandbox.microsoft.createContact(OLIVIA, undefined, { givenName: 'Elsewhere' });
    await sandbox.microsoft.flushNotifications();
    expect(hook.bodies).toHaveLength(1);
    const [n] = (hook.bodies[0] as { value: Record<string, any>[] }).value;
    expect(n).toMatchObject({ subscriptionId: sub.id, changeType: 'updated', clientState: 'secret-state', resourceData: { '@odata.type': '#Microsoft.Graph.Contact', id: expect.any(String), '@odata.etag': expect.any(String) } });
    expect(n!.subscriptionExpirationDateTime).toBe(sub.expirationDateTime);
  });

  it('MG-S5: PATCH renews within the maximum; DELETE removes (204) and then 404; an expired one is 404', async () => {
    const sub = await create({ expirationDateTime: inMinutes(60) });
    const renewed = await client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(4200) });
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    expect((await fail(client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(5000) }))).statusCode).toBe(400);
    await client.api(`/subscriptions/${sub.id}`).delete();
    expect((await fail(client.api(`/subscriptions/${sub.id}`).get())).statusCode).toBe(404);
    const other = await create();
    sandbox.microsoft.expireSubscription(other.id);
    expect((await fail(client.api(`/subscriptions/${other.id}`).patch({ expirationDateTime: inMinutes(4000) }))).statusCode).toBe(404);
  });

  it('MG-S6: lifecycle notifications carry lifecycleEvent and clientState; subscriptionRemoved removes the subscription', async () => {
    const sub = await create();
    await sandbox.microsoft.sendLifecycleNotification(sub.id, 'missed');
    await sandbox.microsoft.sendLifecycleNotification(sub.id, 'subscriptionRemoved');
    expect(hook.bodies.map((b) => (b as { value: { lifecycleEvent: string; clientState: string }[] }).value[0])).toEqual([
      expect.objectContaining({ lifecycleEvent: 'missed', clientState: 'secret-state', subscriptionId: sub.id }),
      expect.objectContaining({ lifecycleEvent: 'subscriptionRemoved', clientState: 'secret-state', subscriptionId: sub.id }),
    ]);
    expect(sandbox.microsoft.subscriptions(OLIVIA)).toEqual([]);
  });
});
