/**
 * B1 provider → CRM in near real time, on the real runtime: Microsoft Graph change notifications (subscription
 * create/renew/remove through the official client, the validation handshake, clientState, debounced runs,
 * lifecycle events) and Google sync-token polls — Pipedrive, Microsoft and Google emulators, real Postgres, and
 * the app's notification routes served over HTTP so the Graph emulator can call them. Every test names its rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { startAppServer } from '../support/app-server';
import { getDb } from '@/db/client';
import { changeWatches, contactLinks, syncRuns } from '@/db/schema';
import { decryptSecret } from '@/lib/auth/token-vault';
import { startSync, stopSync, syncDashboard } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import { setJobQueue, type JobQueue } from '@/lib/jobs/queue';
import { uninstallUser } from '@/lib/uninstall';
import { LIFECYCLE_PATH, NOTIFICATION_PATH, maintainWatches, pollDueWatches } from '@/lib/sync/contacts/watch';
import { POLL_CADENCE } from '@/lib/sync/contacts/poll-cadence';
import { GRAPH_CONTACT_SUBSCRIPTION_MAX_MINUTES } from '@/lib/providers/microsoft/subscriptions';
import type { RunRequest } from '@/lib/sync/runtime/events';
import type { Tenant } from '@/lib/tenant';
import { createLocalRunner, localQueue, type Runner } from '@/inngest/local-runner';
import * as notificationsRoute from '@/app/api/microsoft/notifications/route';
import * as lifecycleRoute from '@/app/api/microsoft/lifecycle/route';

const CO = NORTHWIND.companyId;
type PdPerson = { id: number; is_deleted?: boolean; emails: { value: string }[]; job_title?: string | null; last_name?: string | null };
type Env = { app: TestApp; tenant: Tenant; syncId: string; server: { url: string; close(): Promise<void> } };

async function setup(provider: 'microsoft' | 'google', email: string): Promise<Env> {
  const server = await startAppServer({ [NOTIFICATION_PATH]: notificationsRoute, [LIFECYCLE_PATH]: lifecycleRoute });
  const app = await createTestApp({ appUrl: server.url });
  app.sandbox.pipedrive.config(CO, { contactSyncFields: true });
  const tenant = await app.installPipedrive(NORTHWIND.admin);
  const accountId = provider === 'microsoft' ? await app.linkMicrosoft(tenant, email) : await app.linkGoogle(tenant, email);
  await prepareCrmFields(tenant);
  const groupId =
    provider === 'microsoft'
      ? app.sandbox.microsoft.folders(email).find((f) => f.displayName === 'Clients')!.id
      : app.sandbox.google.groups(email).find((g) => g.name === 'Clients')!.resourceName;
  const { syncId } = await startSync(tenant, { accountId, direction: 'two_way', groupId, groupName: 'Clients', conflictPolicy: 'newest' });
  expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
  return { app, tenant, syncId, server };
}

const personWithEmail = (env: Env, email: string) =>
  (env.app.sandbox.pipedrive.persons(CO) as unknown as PdPerson[]).find((p) => !p.is_deleted && p.emails.some((e) => e.value.toLowerCase() === email.toLowerCase()));
async function watchRow(syncId: string) {
  const db = await getDb();
  const [row] = await db.select().from(changeWatches).where(eq(changeWatches.connectionId, syncId));
  return row;
}
async function webhookRuns(syncId: string) {
  const db = await getDb();
  return db.select().from(syncRuns).where(and(eq(syncRuns.connectionId, syncId), eq(syncRuns.trigger, 'webhook')));
}
const recordingQueue = () => {
  const requested: RunRequest[] = [];
  const queue: JobQueue = { request: async (rs) => void requested.push(...rs), cancel: async () => {}, cancelUser: async () => {} };
  setJobQueue(queue);
  return requested;
};
const post = (env: Env, path: string, body: unknown, query = '') =>
  fetch(`${env.server.url}${path}${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('B1 Outlook change notifications (Graph subscriptions)', () => {
  const OLIVIA = 'olivia.northwind@outlook.com';
  let env: Env;
  let runner: Runner;
  beforeAll(async () => {
    env = await setup('microsoft', OLIVIA);
  });
  afterAll(async () => {
    runner?.stop();
    await env?.app.close();
    await env?.server.close();
  });
  const clients = () => env.app.sandbox.microsoft.folders(OLIVIA).find((f) => f.displayName === 'Clients')!;
  const subscription = () => env.app.sandbox.microsoft.subscriptions(OLIVIA)[0]!;

  it('B1: the first run subscribes to the synced folder (created,updated,deleted; both URLs validated; expiry within 4230 min)', async () => {
    const subs = env.app.sandbox.microsoft.subscriptions(OLIVIA);
    expect(subs).toHaveLength(1);
    const sub = subs[0]!;
    expect(sub.resource).toBe(`me/contactFolders/${clients().id}/contacts`);
    expect(sub.changeType).toBe('created,updated,deleted');
    expect(sub.notificationUrl).toBe(`${env.server.url}${NOTIFICATION_PATH}`);
    expect(sub.lifecycleNotificationUrl).toBe(`${env.server.url}${LIFECYCLE_PATH}`);
    const left = Date.parse(sub.expirationDateTime) - Date.now();
    expect(left).toBeLessThanOrEqual(GRAPH_CONTACT_SUBSCRIPTION_MAX_MINUTES * 60_000);
    expect(left).toBeGreaterThan(GRAPH_CONTACT_SUBSCRIPTION_MAX_MINUTES * 60_000 - 60 * 60_000);
    const validations = env.app.sandbox.microsoft.notificationLog().filter((d) => d.kind === 'validation');
    expect(validations.map((v) => [v.url, v.status])).toEqual([
      [`${env.server.url}${NOTIFICATION_PATH}`, 200],
      [`${env.server.url}${LIFECYCLE_PATH}`, 200],
    ]);
    // The clientState is a random secret, sealed at rest.
    const row = (await watchRow(env.syncId))!;
    expect(row.subscriptionId).toBe(sub.id);
    expect(row.clientStateEnc).not.toContain(sub.clientState!);
    expect(decryptSecret(row.clientStateEnc!)).toBe(sub.clientState);
    expect(sub.clientState!.length).toBeGreaterThanOrEqual(40);
  });

  it('B1 (settings page): the dashboard says Outlook pushes changes; a refused subscription says hourly and why', async () => {
    expect((await syncDashboard(env.tenant, env.syncId)).watch).toMatchObject({ mode: 'push', detail: null });
    const db = await getDb();
    const row = (await watchRow(env.syncId))!;
    await db.update(changeWatches).set({ status: 'failed', lastError: 'Subscription validation request failed.' }).where(eq(changeWatches.connectionId, env.syncId));
    expect((await syncDashboard(env.tenant, env.syncId)).watch).toMatchObject({ mode: 'push_failed', detail: 'Subscription validation request failed.' });
    await db.update(changeWatches).set({ status: row.status, lastError: row.lastError }).where(eq(changeWatches.connectionId, env.syncId));
  });

  it('B1: the validation handshake echoes the decoded token as text/plain 200 on both URLs', async () => {
    for (const path of [NOTIFICATION_PATH, LIFECYCLE_PATH]) {
      const res = await post(env, path, '', `?validationToken=${encodeURIComponent('Validation: Testing <reachability> & more')}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('Validation: Testing <reachability> & more');
    }
  });

  it('B1: edits in the folder → notifications → one debounced run → the change is in the CRM', async () => {
    runner = createLocalRunner();
    setJobQueue(localQueue(() => runner));
    const before = (await webhookRuns(env.syncId)).length;
    const folder = clients().id;
    const [a, b] = env.app.sandbox.microsoft.contacts(OLIVIA, folder);
    env.app.sandbox.microsoft.updateContact(OLIVIA, a!.regularId, { jobTitle: 'Head of Push' });
    env.app.sandbox.microsoft.updateContact(OLIVIA, b!.regularId, { jobTitle: 'Chief Notifier' });
    env.app.sandbox.microsoft.updateContact(OLIVIA, a!.regularId, { jobTitle: 'Head of Push II' });
    await env.app.sandbox.microsoft.flushNotifications();
    const delivery = env.app.sandbox.microsoft.notificationLog().filter((d) => d.kind === 'change').at(-1)!;
    expect(delivery.status).toBe(202);
    await expect.poll(() => personWithEmail(env, a!.fields.emailAddresses[0]!.address!)?.job_title, { timeout: 20_000, interval: 100 }).toBe('Head of Push II');
    expect(personWithEmail(env, b!.fields.emailAddresses[0]!.address!)?.job_title).toBe('Chief Notifier');
    await runner.idle();
    expect((await webhookRuns(env.syncId)).length - before).toBe(1);
    expect((await watchRow(env.syncId))!.lastNotificationAt).not.toBeNull();
  });

  it('S (boundary): a wrong clientState, an unknown subscription and a lifecycle event with a bad secret are ignored — 202, nothing runs', async () => {
    const requested = recordingQueue();
    const sub = subscription();
    const change = (patch: Record<string, unknown>) => ({ value: [{ subscriptionId: sub.id, changeType: 'updated', clientState: sub.clientState, resource: 'Users/x/Contacts/y', ...patch }] });
    for (const body of [change({ clientState: 'forged' }), change({ clientState: undefined }), change({ subscriptionId: 'not-a-subscription-of-ours' })]) {
      const res = await post(env, NOTIFICATION_PATH, body);
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ accepted: 0, ignored: 1, runs: 0 });
    }
    const lifecycle = await post(env, LIFECYCLE_PATH, { value: [{ subscriptionId: sub.id, lifecycleEvent: 'subscriptionRemoved', clientState: 'forged' }] });
    expect(lifecycle.status).toBe(202);
    expect(requested).toEqual([]);
    expect(env.app.sandbox.microsoft.subscriptions(OLIVIA).map((s) => s.id)).toEqual([sub.id]);
  });

  it('S (boundary): malformed, wrongly shaped and oversized bodies are refused with 4xx and nothing runs', async () => {
    const requested = recordingQueue();
    const sub = subscription();
    expect((await post(env, NOTIFICATION_PATH, '{"value": [')).status).toBe(400);
    expect((await post(env, NOTIFICATION_PATH, { value: [] })).status).toBe(400);
    expect((await post(env, NOTIFICATION_PATH, { value: [{ subscriptionId: sub.id, clientState: sub.clientState, changeType: 'exploded' }] })).status).toBe(400);
    // A lifecycle body is not a change notification (and vice versa).
    expect((await post(env, NOTIFICATION_PATH, { value: [{ subscriptionId: sub.id, clientState: sub.clientState, lifecycleEvent: 'missed' }] })).status).toBe(400);
    expect((await post(env, LIFECYCLE_PATH, { value: [{ subscriptionId: sub.id, clientState: sub.clientState, changeType: 'updated' }] })).status).toBe(400);
    const huge = { value: [{ subscriptionId: sub.id, clientState: sub.clientState, changeType: 'updated', resource: 'x'.repeat(600 * 1024) }] };
    expect((await post(env, NOTIFICATION_PATH, huge)).status).toBe(413);
    expect((await post(env, NOTIFICATION_PATH, '', '?validationToken=')).status).toBe(400);
    expect(requested).toEqual([]);
  });

  it('B1: our own export writes come back as notifications and start no run (etag echo); a real edit still does', async () => {
    const requested = recordingQueue();
    const db = await getDb();
    const [link] = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.state, 'linked')));
    env.app.sandbox.pipedrive.updatePerson(CO, Number(link!.crmId), { job_title: 'Edited in the CRM' } as never, NORTHWIND.admin);
    const deliveries = env.app.sandbox.microsoft.notificationLog().filter((d) => d.kind === 'change').length;
    expect((await env.app.runSync(env.syncId, 'refresh')).status).toBe('succeeded');
    expect(env.app.sandbox.microsoft.getContact(OLIVIA, link!.remoteId!)?.fields.jobTitle).toBe('Edited in the CRM');
    await env.app.sandbox.microsoft.flushNotifications();
    const log = env.app.sandbox.microsoft.notificationLog().filter((d) => d.kind === 'change');
    expect(log.length).toBeGreaterThan(deliveries);
    expect(log.at(-1)!.status).toBe(202);
    expect(requested).toEqual([]);
    env.app.sandbox.microsoft.updateContact(OLIVIA, link!.remoteId!, { jobTitle: 'Edited in Outlook' });
    await env.app.sandbox.microsoft.flushNotifications();
    expect(requested.map((r) => r.connectionId)).toEqual([env.syncId]);
  });

  it('B1: housekeeping renews a subscription that expires within a day (PATCH), keeping its id', async () => {
    const sub = subscription();
    const db = await getDb();
    await db.update(changeWatches).set({ expiresAt: new Date(Date.now() + 60 * 60_000) }).where(eq(changeWatches.connectionId, env.syncId));
    const patches = env.app.sandbox.microsoft.requestCounts(OLIVIA).PATCH ?? 0;
    const result = await maintainWatches();
    expect(result.renewed).toBe(1);
    expect(env.app.sandbox.microsoft.requestCounts(OLIVIA).PATCH ?? 0).toBe(patches + 1);
    const row = (await watchRow(env.syncId))!;
    expect(row.subscriptionId).toBe(sub.id);
    expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 2 * 24 * 60 * 60_000);
    expect(Date.parse(subscription().expirationDateTime)).toBe(row.expiresAt!.getTime());
  });

  it('B1: a subscription Graph no longer knows (expired) is recreated by housekeeping', async () => {
    const old = subscription().id;
    env.app.sandbox.microsoft.expireSubscription(old);
    const db = await getDb();
    await db.update(changeWatches).set({ expiresAt: new Date(Date.now() + 60_000) }).where(eq(changeWatches.connectionId, env.syncId));
    await maintainWatches();
    const now = env.app.sandbox.microsoft.subscriptions(OLIVIA);
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(old);
    expect((await watchRow(env.syncId))!.subscriptionId).toBe(now[0]!.id);
  });

  it('B1: lifecycle `missed` → a catch-up run (delta) brings the change that had no notification', async () => {
    // The edit's own notification only reaches a queue that runs nothing — as if it had been lost.
    const lost = recordingQueue();
    const [c] = env.app.sandbox.microsoft.contacts(OLIVIA, clients().id);
    env.app.sandbox.microsoft.updateContact(OLIVIA, c!.regularId, { jobTitle: 'Missed Once' });
    await env.app.sandbox.microsoft.flushNotifications();
    expect(lost).toHaveLength(1);
    expect(personWithEmail(env, c!.fields.emailAddresses[0]!.address!)?.job_title).not.toBe('Missed Once');
    runner = createLocalRunner();
    setJobQueue(localQueue(() => runner));
    const before = (await webhookRuns(env.syncId)).length;
    expect(await env.app.sandbox.microsoft.sendLifecycleNotification(subscription().id, 'missed')).toBe(true);
    await expect.poll(() => personWithEmail(env, c!.fields.emailAddresses[0]!.address!)?.job_title, { timeout: 20_000, interval: 100 }).toBe('Missed Once');
    await runner.idle();
    expect((await webhookRuns(env.syncId)).length - before).toBe(1);
  });

  it('B1: lifecycle `reauthorizationRequired` → renewed; `subscriptionRemoved` → a new subscription with a new secret', async () => {
    recordingQueue();
    const first = subscription();
    const patches = env.app.sandbox.microsoft.requestCounts(OLIVIA).PATCH ?? 0;
    await env.app.sandbox.microsoft.sendLifecycleNotification(first.id, 'reauthorizationRequired');
    expect(env.app.sandbox.microsoft.requestCounts(OLIVIA).PATCH ?? 0).toBe(patches + 1);
    expect(subscription().id).toBe(first.id);
    await env.app.sandbox.microsoft.sendLifecycleNotification(first.id, 'subscriptionRemoved');
    const second = subscription();
    expect(second.id).not.toBe(first.id);
    expect(second.clientState).not.toBe(first.clientState);
    expect((await watchRow(env.syncId))!.subscriptionId).toBe(second.id);
  });

  it('B1: a change notified while a run was going gets one more run afterwards (Inngest skips requests during a run)', async () => {
    const requested = recordingQueue();
    const db = await getDb();
    // Notified after the run began: the run ends by requesting one more.
    await db.update(changeWatches).set({ lastNotificationAt: new Date(Date.now() + 60_000) }).where(eq(changeWatches.connectionId, env.syncId));
    expect((await env.app.runSync(env.syncId, 'webhook')).status).toBe('succeeded');
    expect(requested.map((r) => [r.connectionId, r.trigger])).toEqual([[env.syncId, 'webhook']]);
    // Notified before it began: that run saw the change, nothing more.
    await db.update(changeWatches).set({ lastNotificationAt: new Date(Date.now() - 60_000) }).where(eq(changeWatches.connectionId, env.syncId));
    expect((await env.app.runSync(env.syncId, 'webhook')).status).toBe('succeeded');
    expect(requested).toHaveLength(1);
  });

  it('B1/M5: stopping the sync deletes the subscription at Graph and forgets the watch', async () => {
    recordingQueue();
    await stopSync(env.tenant, env.syncId);
    expect(env.app.sandbox.microsoft.subscriptions(OLIVIA)).toEqual([]);
    expect(await watchRow(env.syncId)).toBeUndefined();
  });
});

describe('B1 Google sync-token polls', () => {
  const OLIVIA = 'olivia.northwind@gmail.com';
  let env: Env;
  beforeAll(async () => {
    env = await setup('google', OLIVIA);
  });
  afterAll(async () => {
    await env?.app.close();
    await env?.server.close();
  });
  const later = () => new Date(Date.now() + 24 * 60 * 60_000);

  it('B1: the first run sets up a poll, due at once', async () => {
    const row = (await watchRow(env.syncId))!;
    expect(row.provider).toBe('google');
    expect(row.subscriptionId).toBeNull();
    expect(row.nextPollAt!.getTime()).toBeLessThanOrEqual(Date.now());
    // The settings page says changes in Google are looked for (B1), not "hourly".
    expect((await syncDashboard(env.tenant, env.syncId)).watch?.mode).toBe('poll');
  });

  it('B1: nothing changed (only our own export writes) → one People API call, no run, next check at the quiet interval, none before', async () => {
    env.app.sandbox.google.resetRequestCounts(OLIVIA);
    const requests = await pollDueWatches(later());
    expect(requests).toEqual([]);
    expect(env.app.sandbox.google.requestCounts(OLIVIA)).toMatchObject({ total: 1, 'people.connections.list': 1 });
    const row = (await watchRow(env.syncId))!;
    // The start run's own exports to Google are after the stored token too: recognised as echoes, not changes.
    expect(row.pollsToday).toBe(1);
    const delay = row.nextPollAt!.getTime() - row.lastPolledAt!.getTime();
    expect(delay).toBe(POLL_CADENCE.quietMs);
    // Not due yet: the next tick asks nothing.
    env.app.sandbox.google.resetRequestCounts(OLIVIA);
    expect(await pollDueWatches()).toEqual([]);
    expect(env.app.sandbox.google.requestCounts(OLIVIA).total ?? 0).toBe(0);
  });

  it('B1: a change in the group → the check requests a run, which brings it to the CRM; checks speed up', async () => {
    const member = (env.app.sandbox.google.contacts(OLIVIA) as unknown as { resourceName: string; emailAddresses?: { value?: string }[]; memberships?: { contactGroupMembership?: { contactGroupResourceName?: string } }[] }[]).find((p) =>
      (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === env.app.sandbox.google.groups(OLIVIA).find((g) => g.name === 'Clients')!.resourceName),
    )!;
    env.app.sandbox.google.updateContact(OLIVIA, member.resourceName, { names: [{ givenName: 'Polly', familyName: 'Watcher' }] } as never);
    env.app.sandbox.google.resetRequestCounts(OLIVIA);
    const requests = await pollDueWatches(later());
    expect(env.app.sandbox.google.requestCounts(OLIVIA).total).toBe(1);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ kind: 'contacts', connectionId: env.syncId, provider: 'google', trigger: 'webhook' });
    const row = (await watchRow(env.syncId))!;
    expect(row.nextPollAt!.getTime() - row.lastPolledAt!.getTime()).toBe(POLL_CADENCE.activeMs);
    expect((await env.app.runSync(env.syncId, 'webhook')).status).toBe('succeeded');
    const db = await getDb();
    const [link] = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.remoteId, member.resourceName)));
    expect((env.app.sandbox.pipedrive.getPerson(CO, Number(link!.crmId)) as unknown as PdPerson).last_name).toBe('Watcher');
    // The run consumed the change, and its own writes back to Google are echoes: the next check requests nothing.
    expect(await pollDueWatches(later())).toEqual([]);
  });

  it('B1/M5: uninstall removes the watch', async () => {
    recordingQueue();
    await uninstallUser('pipedrive', String(CO), String(NORTHWIND.admin));
    expect(await watchRow(env.syncId)).toBeUndefined();
  });
});
