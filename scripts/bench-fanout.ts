/**
 * Benchmark: the hourly fan-out (C16) for many connections — `lib/sync/schedule.ts` reading due connections
 * and each pillar's run requests, handed to the job queue page by page.
 *
 *   npm run bench:fanout                        # N = 10,000
 *   npm run bench:fanout -- --n=10k,50k
 *
 * For each N: a fresh database with N CRM users, each with a linked provider account and one started,
 * due contact sync (half Google, half Outlook). Then the scheduler enqueues every due connection into a
 * queue that only counts and keeps the per-call size (the Inngest queue sends each page as one batch of
 * events; the local runner enqueues). Printed: wall time to enqueue all, requests per second, pages (job-
 * queue calls), largest page, DB statements, and heap/RSS growth while it runs (sampled every 20 ms),
 * against the old single-query shape (all due connections and one IN-list of every id per pillar) for
 * comparison. Goal: everything enqueued in < 5 s with memory bounded by the page size.
 */
import './sandbox-env';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { closeDb, getDb } from '@/db/client';
import { installations } from '@/db/schema';
import { enqueueHourly, FAN_OUT_PAGE } from '@/lib/sync/schedule';
import { PILLARS } from '@/lib/sync/registry';
import { listDueConnections } from '@/lib/sync/runtime/connections';
import type { JobQueue } from '@/lib/jobs/queue';
import type { RunRequest } from '@/lib/sync/runtime/events';
import { configureSandboxApp, createDatabase } from '../tests/support/app-env';
import { dbStatementCount, fmtInt, fmtSeconds, gcNow, heapNowMb, installDbStatementCounter, log, machineDescription, mb, parseArgs, parseCounts, printTable, rssNowMb, startDatabaseServer } from './bench-support';

async function seed(n: number): Promise<void> {
  const db = await getDb();
  const [inst] = await db.insert(installations).values({ crm: 'pipedrive', companyId: `bench-${randomUUID()}`, companyName: 'Fan-out Ltd' }).returning({ id: installations.id });
  const id = inst!.id;
  // One statement per table with generate_series: seeding is not what we measure.
  await db.execute(`
    insert into crm_users (id, installation_id, crm_user_id, name)
      select md5('u' || g)::uuid, '${id}', 'user-' || g, 'User ' || g from generate_series(1, ${n}) g;
    insert into provider_accounts (id, installation_id, crm_user_id, provider, account_id, email)
      select md5('a' || g)::uuid, '${id}', md5('u' || g)::uuid, case when g % 2 = 0 then 'google' else 'microsoft' end, 'acct-' || g, 'user' || g || '@example.com'
      from generate_series(1, ${n}) g;
    insert into sync_connections (id, installation_id, crm_user_id, kind, account_ids, status, stage, started_at, next_run_at)
      select md5('c' || g)::uuid, '${id}', md5('u' || g)::uuid, 'contacts', array[md5('a' || g)::uuid], 'active', 'idle', now() - interval '2 hours', now() - interval '1 minute'
      from generate_series(1, ${n}) g;
    insert into contact_syncs (id, installation_id, crm_user_id, provider_account_id, provider, direction, group_id)
      select md5('c' || g)::uuid, '${id}', md5('u' || g)::uuid, md5('a' || g)::uuid, case when g % 2 = 0 then 'google' else 'microsoft' end, 'two_way', 'group-' || g
      from generate_series(1, ${n}) g;
    analyze;` as never);
}

type Measure = { ms: number; requests: number; calls: number; largestCall: number; statements: number; heapGrowthMb: number; rssGrowthMb: number; liveMb: number };

/** `live`: collect garbage at each queue call (timing excluded) and record the heap still in use — what the scheduler holds at once. */
async function measure(fn: (queue: JobQueue) => Promise<void>, opts: { live?: boolean } = {}): Promise<Measure> {
  let requests = 0;
  let calls = 0;
  let largestCall = 0;
  let liveMb = 0;
  let gcMs = 0;
  const queue: JobQueue = {
    async request(rs: RunRequest[]) {
      requests += rs.length;
      calls++;
      largestCall = Math.max(largestCall, rs.length);
      if (opts.live) {
        const g0 = performance.now();
        gcNow();
        liveMb = Math.max(liveMb, heapNowMb());
        gcMs += performance.now() - g0;
      }
    },
    async cancel() {},
    async cancelUser() {},
  };
  gcNow();
  const heap0 = heapNowMb();
  const rss0 = rssNowMb();
  let heapPeak = heap0;
  let rssPeak = rss0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    heapPeak = Math.max(heapPeak, mb(m.heapUsed));
    rssPeak = Math.max(rssPeak, mb(m.rss));
  }, 20);
  const s0 = dbStatementCount();
  const t0 = performance.now();
  await fn(queue);
  const ms = performance.now() - t0 - gcMs;
  clearInterval(timer);
  const m = process.memoryUsage();
  heapPeak = Math.max(heapPeak, mb(m.heapUsed));
  rssPeak = Math.max(rssPeak, mb(m.rss));
  return { ms, requests, calls, largestCall, statements: dbStatementCount() - s0, heapGrowthMb: Math.round((heapPeak - heap0) * 10) / 10, rssGrowthMb: Math.round((rssPeak - rss0) * 10) / 10, liveMb: Math.round((liveMb - heap0) * 10) / 10 };
}

/** The shape before paging: every due connection in one query, one IN-list per pillar, one queue call. */
async function singleShot(queue: JobQueue): Promise<void> {
  const due = await listDueConnections(new Date());
  const out: RunRequest[] = [];
  for (const pillar of PILLARS) {
    const mine = due.filter((c) => c.kind === pillar.kind);
    if (mine.length) out.push(...(await pillar.requestsFor(mine, 'hourly')));
  }
  await queue.request(out);
}

async function main() {
  const args = parseArgs();
  const counts = parseCounts(args.n, [10_000]);
  installDbStatementCounter();
  const server = await startDatabaseServer();
  log(`machine: ${machineDescription()}`);
  log(`database: ${server.description}`);
  const rows: (string | number)[][] = [];
  try {
    for (const n of counts) {
      const db = server.adminUrl ? await createDatabase(server.adminUrl, 'fanout') : null;
      const { dataDir } = await configureSandboxApp({ appUrl: 'http://127.0.0.1:3999', sandboxUrl: 'http://127.0.0.1:1', databaseUrl: db?.url ?? null, dataDirPrefix: 'synclane-fanout-' });
      log(`N = ${fmtInt(n)}: seeding…`);
      await seed(n);
      // Warm the connection pool and the query plans once (a real scheduler tick is not its first query).
      await measure((q) => enqueueHourly(q, new Date(), FAN_OUT_PAGE).then(() => undefined));
      for (const [label, fn] of [
        [`paged (${FAN_OUT_PAGE} per page)`, (q: JobQueue) => enqueueHourly(q).then(() => undefined)],
        ['single query (before)', singleShot],
      ] as const) {
        const r = await measure(fn).catch((error: Error) => error);
        if (r instanceof Error) {
          rows.push([fmtInt(n), label, `fails: ${r.message.slice(0, 60)}`, '—', '—', '—', '—', '—', '—', '—']);
          continue;
        }
        const live = await measure(fn, { live: true });
        if (r.requests !== n) throw new Error(`${label}: enqueued ${r.requests} of ${n}`);
        rows.push([fmtInt(n), label, fmtSeconds(r.ms), fmtInt(Math.round((r.requests / r.ms) * 1000)), r.calls, fmtInt(r.largestCall), r.statements || '—', `${live.liveMb} MB`, `${r.heapGrowthMb} MB`, `${r.rssGrowthMb} MB`]);
        log(`${label}: ${fmtInt(r.requests)} requests in ${fmtSeconds(r.ms)}`);
      }
      await closeDb();
      if (server.adminUrl && db) {
        const c = new pg.Client({ connectionString: server.adminUrl });
        await c.connect();
        await c.query(`drop database if exists ${db.name} with (force)`);
        await c.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    await server.stop();
  }
  console.log('');
  printTable(['Connections', 'Shape', 'Enqueue all', 'Requests/s', 'Queue calls', 'Largest call', 'DB statements', 'Live heap held', 'Heap growth (incl. garbage)', 'RSS growth'], rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
