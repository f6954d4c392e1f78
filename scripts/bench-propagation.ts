/**
 * Benchmark: propagation (B1) — an edit on one side until it is visible on the other, both directions, for
 * Google and Outlook, under the in-process runner.
 *
 *   npm run bench:propagation                         # 12 samples per direction and provider
 *   npm run bench:propagation -- --samples=30 --gap=20
 *   npm run bench:propagation -- --providers=google --directions=to-crm --quiet   # Google's quiet cadence
 *
 * Real app code end to end: the app's webhook and Graph notification routes are served over HTTP (the
 * emulators call them back), the job queue is the in-process runner with its B1 poll tick, and runs are
 * requested only by what the product uses — Pipedrive webhooks (CRM → provider), Graph change
 * notifications (Outlook → CRM) and sync-token checks on the adaptive cadence (Google → CRM). No run is
 * started by the benchmark after the first one.
 *
 * Each sample edits one linked contact's last name to a fresh value and waits (polling the emulator's state
 * every 50 ms) until the other side shows it. Samples of a case are sequential, separated by a random pause
 * of 0–`gap` seconds, so the Google cadence is measured in the state real edits find it in: right after a
 * change (5 s checks) and after quiet (slower checks, up to 40 s). Printed: p50 / p95 / max per case, and
 * for Google → CRM the check interval in force when each edit was made.
 *
 * `--quiet` measures Google → CRM as a connection quiet for a long time finds it (checks every 40 s) without
 * waiting the ~6 minutes of quiet it takes to get there: before each edit the watch is put in that state —
 * last change an hour ago, next check at a uniformly random moment of the next 40 s (where a quiet
 * connection's next check is, seen from an edit made at a random time). Everything after that is real.
 */
import './sandbox-env';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { changeWatches, contactLinks } from '@/db/schema';
import { startSync } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import { setJobQueue } from '@/lib/jobs/queue';
import { LIFECYCLE_PATH, NOTIFICATION_PATH } from '@/lib/sync/contacts/watch';
import { POLL_CADENCE } from '@/lib/sync/contacts/poll-cadence';
import { WEBHOOK_PATH } from '@/lib/crm/pipedrive/webhooks';
import { createLocalRunner, localQueue, LOCAL_POLL_TICK_MS } from '@/inngest/local-runner';
import * as notificationsRoute from '@/app/api/microsoft/notifications/route';
import * as lifecycleRoute from '@/app/api/microsoft/lifecycle/route';
import * as pipedriveWebhookRoute from '@/app/api/pipedrive/webhooks/route';
import { startAppServer } from '../tests/support/app-server';
import { NORTHWIND, createBenchApp, log, machineDescription, parseArgs, printTable, startDatabaseServer } from './bench-support';

const CO = NORTHWIND.companyId;
const GMAIL = 'olivia.northwind@gmail.com';
const OUTLOOK = 'olivia.northwind@outlook.com';
type Person = { id: number; last_name?: string | null; is_deleted?: boolean };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function waitFor(check: () => boolean, timeoutMs: number): Promise<number | null> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (check()) return performance.now() - t0;
    await sleep(50);
  }
  return null;
}

async function main() {
  const args = parseArgs();
  const samples = Number(args.samples ?? 12);
  const gapS = Number(args.gap ?? 15);
  const timeoutMs = Number(args.timeout ?? 180) * 1000;
  const providers = (args.providers ?? 'google,microsoft').split(',') as ('google' | 'microsoft')[];
  const directions = (args.directions ?? 'to-crm,to-provider').split(',');
  const quiet = args.quiet === 'true';
  const server = await startDatabaseServer();
  const appServer = await startAppServer({ [NOTIFICATION_PATH]: notificationsRoute, [LIFECYCLE_PATH]: lifecycleRoute, [WEBHOOK_PATH]: pipedriveWebhookRoute });
  log(`machine: ${machineDescription()}`);
  log(`database: ${server.description}`);
  log(`samples: ${samples} per case, random pause 0–${gapS} s between samples; in-process runner, poll tick ${LOCAL_POLL_TICK_MS / 1000} s; Google cadence ${POLL_CADENCE.activeMs / 1000} s after a change → ≤ ${POLL_CADENCE.quietMs / 1000} s when quiet`);
  const app = await createBenchApp(server, { appUrl: appServer.url });
  const runner = createLocalRunner({ poll: true });
  setJobQueue(localQueue(() => runner));
  const rows: (string | number)[][] = [];
  try {
    app.sandbox.pipedrive.config(CO, { contactSyncFields: true });
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    await prepareCrmFields(tenant);
    const db = await getDb();

    for (const provider of providers) {
      const email = provider === 'google' ? GMAIL : OUTLOOK;
      const accountId = provider === 'google' ? await app.linkGoogle(tenant, email) : await app.linkMicrosoft(tenant, email);
      const groupId = provider === 'google' ? app.sandbox.google.groups(email).find((g) => g.name === 'Clients')!.resourceName : app.sandbox.microsoft.folders(email).find((f) => f.displayName === 'Clients')!.id;
      const { syncId } = await startSync(tenant, { accountId, direction: 'two_way', groupId, groupName: 'Clients', conflictPolicy: 'newest' });
      // Start asked the runner for the first run; wait for it and for the watch it sets up.
      await sleep(200);
      await runner.idle();
      const [watch] = await db.select().from(changeWatches).where(eq(changeWatches.connectionId, syncId));
      if (!watch || watch.status !== 'active') throw new Error(`${provider}: no active change watch after the first run (${watch?.lastError ?? 'none'})`);
      const links = (await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, syncId), eq(contactLinks.state, 'linked')))).filter((l) => l.crmId && l.remoteId);
      log(`${provider}: two-way sync started, ${links.length} linked pairs, watch ${provider === 'google' ? 'poll' : `subscription ${watch.subscriptionId}`}`);

      const crmLastName = (crmId: string) => (app.sandbox.pipedrive.getPerson(CO, Number(crmId)) as unknown as Person | null)?.last_name ?? null;
      const remoteLastName = (remoteId: string) =>
        provider === 'google'
          ? ((app.sandbox.google.getContact(email, remoteId) as { names?: { familyName?: string }[] } | null)?.names?.[0]?.familyName ?? null)
          : (app.sandbox.microsoft.getContact(email, remoteId)?.fields.surname ?? null);
      const editRemote = (remoteId: string, value: string) => {
        if (provider === 'google') {
          const current = app.sandbox.google.getContact(email, remoteId) as { names?: { givenName?: string }[] };
          app.sandbox.google.updateContact(email, remoteId, { names: [{ givenName: current.names?.[0]?.givenName ?? 'Bench', familyName: value }] } as never);
        } else app.sandbox.microsoft.updateContact(email, remoteId, { surname: value });
      };

      const cases = (['provider → CRM', 'CRM → provider'] as const).filter((d) => directions.includes(d.startsWith('provider') ? 'to-crm' : 'to-provider'));
      for (const direction of cases) {
        const quietCase = quiet && provider === 'google' && direction === 'provider → CRM';
        const times: number[] = [];
        const intervals: number[] = [];
        let failures = 0;
        for (let i = 0; i < samples; i++) {
          await sleep(Math.random() * gapS * 1000);
          const link = links[i % links.length]!;
          const value = `Bench${provider === 'google' ? 'G' : 'M'}${direction.startsWith('provider') ? 'P' : 'C'}${i}x${Date.now() % 100000}`;
          if (direction === 'provider → CRM') {
            if (quietCase) {
              await runner.idle();
              const now = Date.now();
              await db
                .update(changeWatches)
                .set({ lastChangeAt: new Date(now - 60 * 60_000), lastPolledAt: new Date(now - POLL_CADENCE.quietMs), nextPollAt: new Date(now + Math.random() * POLL_CADENCE.quietMs) })
                .where(eq(changeWatches.connectionId, syncId));
            }
            if (quietCase) intervals.push(POLL_CADENCE.quietMs);
            else if (provider === 'google') {
              const [w] = await db.select().from(changeWatches).where(eq(changeWatches.connectionId, syncId));
              if (w?.nextPollAt && w.lastPolledAt) intervals.push(w.nextPollAt.getTime() - w.lastPolledAt.getTime());
            }
            editRemote(link.remoteId!, value);
            const ms = await waitFor(() => crmLastName(link.crmId!) === value, timeoutMs);
            if (ms === null) failures++;
            else times.push(ms);
          } else {
            app.sandbox.pipedrive.updatePerson(CO, Number(link.crmId), { last_name: value } as never, NORTHWIND.admin);
            const ms = await waitFor(() => remoteLastName(link.remoteId!) === value, timeoutMs);
            if (ms === null) failures++;
            else times.push(ms);
          }
          // Let the runs this edit caused settle (echo runs included) before the next pause starts.
          await runner.idle();
        }
        const sorted = [...times].sort((a, b) => a - b);
        const label = `${provider === 'google' ? 'Google' : 'Outlook'}: ${direction.replace('provider', provider === 'google' ? 'Google' : 'Outlook')}${quietCase ? ' (quiet connection)' : ''}`;
        rows.push([label, times.length, failures, sorted.length ? sec(pct(sorted, 50)) : '—', sorted.length ? sec(pct(sorted, 95)) : '—', sorted.length ? sec(sorted.at(-1)!) : '—', intervals.length ? intervals.map((ms) => ms / 1000).join('/') + ' s' : '—']);
        log(`${label}: ${sorted.map((ms) => (ms / 1000).toFixed(1)).join(', ')}${failures ? ` (+${failures} timed out)` : ''}`);
      }
    }
  } finally {
    runner.stop();
    // Stop taking callbacks before the database goes away (a late notification would find no database).
    await appServer.close();
    await app.close();
    await server.stop();
  }
  console.log('');
  printTable(['Case', 'Samples', 'Timed out', 'p50', 'p95', 'max', 'Google check interval at each edit'], rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
