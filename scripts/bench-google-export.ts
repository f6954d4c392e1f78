/**
 * Benchmark: CRM → Google Contacts (or Outlook) export (Contacts I) of N generated Pipedrive persons.
 *
 *   npm run bench:export                       # N = 10,000 and 50,000
 *   npm run bench:export -- --n=20000          # or --n=5k,20k
 *   npm run bench:export -- --n=2k --latency=100 --real-limits   # 100 ms per vendor call, real rate limits
 *   npm run bench:export -- --provider=microsoft --n=2k          # Outlook folder "Pipedrive" instead of the Google group
 *   npm run bench:export -- --provider=microsoft --n=2k --latency=100 --real-limits --graph-service-ms=50
 *                                              # + 50 ms of Outlook work per request (a `$batch` runs 4 at a time)
 *
 * For each N: fresh database + fresh in-process sandbox, N persons generated in Northwind (owner: admin
 * 13001), Synclane installed as 13001, Google olivia.northwind@gmail.com (or Outlook olivia.northwind@outlook.com) linked, a `crm_to_provider` sync
 * started and run (first export), then run again with nothing changed (the hourly run).
 * Prints wall time, persons/s, Google calls per method vs the minimum the batch sizes allow, Pipedrive
 * calls vs the minimum page count, the achieved Google write-call rate ÷ the allowed rate (the real per-user
 * write quota), DB statements, and peak RSS (sampled every 100 ms).
 * Real app code throughout; emulator quotas/burst limits are raised so the numbers measure our code, unless
 * `--real-limits`; `--latency=MS` (and `--jitter=MS`) adds per-call network latency in every emulator.
 */
import './sandbox-env';
import { sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { startSync } from '@/lib/contacts/service';
import { CRM_PAGE_SIZE, GOOGLE_BATCH_CREATE_MAX } from '@/lib/sync/contacts/constants';
import { GRAPH_JSON_BATCH_MAX } from '@/lib/providers/microsoft/client';
import {
  NORTHWIND,
  createBenchApp,
  describeWorld,
  googleWriteCallsPerSecond,
  parseWorld,
  ratio,
  realLimitsInForce,
  dbStatementCount,
  diffCounts,
  fmtInt,
  fmtSeconds,
  formatCounts,
  formatSteps,
  gcNow,
  installDbStatementCounter,
  takeStatementShapes,
  log,
  machineDescription,
  parseArgs,
  parseCounts,
  printTable,
  raiseEmulatorLimits,
  rssNowMb,
  startDatabaseServer,
  startMemorySampler,
  sumCounts,
  type BenchApp,
} from './bench-support';


/** Pipedrive `GET /api/v2/organizations?ids=…` takes at most 100 ids (the client reads them in chunks of 100). */
const ORG_IDS_PER_READ = 100;
const args = parseArgs();
const provider = (args.provider ?? 'google') as 'google' | 'microsoft';
if (provider !== 'google' && provider !== 'microsoft') throw new Error('--provider must be google or microsoft');
const EMAIL = provider === 'google' ? 'olivia.northwind@gmail.com' : 'olivia.northwind@outlook.com';
const NAME = provider === 'google' ? 'Google' : 'Graph';
const counts = parseCounts(args.n, [10_000, 50_000]);
const world = parseWorld(args);
/** Write calls (Google: creates, updates, deletes, group changes; Graph: POST/PATCH/DELETE, `$batch` included) among the counted methods. */
const writesOf = (c: Record<string, number>) => Object.entries(c).reduce((n, [k, v]) => (k !== 'total' && (provider === 'google' ? /create|update|delete|modify/i : /^(POST|PATCH|DELETE)$/).test(k) ? n + v : n), 0);
/** Contacts in the export group ("Pipedrive"). */
function groupSize(app: BenchApp): number {
  if (provider === 'google') return app.sandbox.google.groups(EMAIL).find((g) => g.name === 'Pipedrive')?.memberCount ?? 0;
  const folder = app.sandbox.microsoft.folders(EMAIL).find((f) => f.displayName === 'Pipedrive');
  return folder ? app.sandbox.microsoft.contacts(EMAIL, folder.id).length : 0;
}
/** Google's counters reset; Graph's cannot, so they are diffed. */
const providerCounts = (app: BenchApp) => (provider === 'google' ? app.sandbox.google.requestCounts(EMAIL) : app.sandbox.microsoft.requestCounts(EMAIL));

/** Row version (xmin) of every contact link: a row the run inserted or updated has a new one. */
async function linkRowVersions(): Promise<Map<string, string>> {
  const db = await getDb();
  const res = (await db.execute(sql`select id::text as id, xmin::text as xmin from contact_links`)) as unknown as { rows: { id: string; xmin: string }[] };
  return new Map(res.rows.map((r) => [r.id, r.xmin]));
}

type RunResult = {
  label: string;
  n: number;
  status: string;
  ms: number;
  persons: number;
  exported: number;
  /** The provider's calls (Google or Graph) by method, and their minimum. */
  google: Record<string, number>;
  googleMin: number;
  crm: Record<string, number>;
  crmMin: number;
  dbStatements: number | null;
  /** contact_links rows the run wrote (a new row version: inserted or updated), from their xmin. */
  linkRowsWritten: number | null;
  baseRssMb: number;
  peakRssMb: number;
  peakHeapMb: number;
};

type Person = { first_name?: string | null; last_name?: string | null; emails?: unknown[]; phones?: unknown[]; owner_id?: number; is_deleted?: boolean; org_id?: number | null };
/** Google's required fields (PRODUCT C12): first name, last name and a phone or e-mail. */
const exportable = (p: Person) => !!p.first_name?.trim() && !!p.last_name?.trim() && ((p.emails ?? []).length > 0 || (p.phones ?? []).length > 0);

async function measure(app: BenchApp, label: string, n: number, syncId: string, trigger: 'start' | 'refresh' | 'hourly', mins: (exported: number) => { google: number; crm: number }, persons: number, usePg: boolean) {
  if (provider === 'google') app.sandbox.google.resetRequestCounts(EMAIL);
  const providerBefore = providerCounts(app);
  app.sandbox.pipedrive.resetRequestCounts();
  const groupBefore = groupSize(app);
  gcNow();
  const baseRssMb = rssNowMb();
  const versions0 = usePg ? await linkRowVersions() : null;
  const db0 = dbStatementCount();
  takeStatementShapes();
  const sampler = startMemorySampler(100);
  const t0 = performance.now();
  const r = await app.runSync(syncId, trigger);
  const ms = performance.now() - t0;
  const mem = sampler.stop();
  if (r.status !== 'succeeded') throw new Error(`${label}: run ${r.status}: ${(r.error as Error)?.stack ?? JSON.stringify(r.error)}`);
  const exported = groupSize(app) - groupBefore;
  const google = diffCounts(providerCounts(app), providerBefore);
  const crm = diffCounts(app.sandbox.pipedrive.requestCounts());
  const m = mins(exported);
  const result: RunResult = {
    label,
    n,
    status: r.status,
    ms,
    persons,
    exported,
    google,
    googleMin: m.google,
    crm,
    crmMin: m.crm,
    dbStatements: usePg ? dbStatementCount() - db0 : null,
    linkRowsWritten: null,
    baseRssMb,
    peakRssMb: mem.peakRssMb,
    peakHeapMb: mem.peakHeapMb,
  };
  if (versions0) {
    const versions1 = await linkRowVersions();
    result.linkRowsWritten = [...versions1].filter(([id, xmin]) => versions0.get(id) !== xmin).length;
  }
  log(`${label}: ${r.status} in ${fmtSeconds(ms)}; run counts ${JSON.stringify(r.counts)}`);
  log(`  steps: ${formatSteps(r.steps)}`);
  log(`  ${NAME} calls ${sumCounts(google)} (min ${m.google}; ÷ min ${ratio(sumCounts(google), m.google)}): ${formatCounts(google)}`);
  const writes = writesOf(google);
  if (provider === 'google') log(`  Google write calls ${writes} at ${(writes / (ms / 1000)).toFixed(2)}/s; allowed ${googleWriteCallsPerSecond()}/s → achieved ÷ allowed ${ratio(writes / (ms / 1000), googleWriteCallsPerSecond())}`);
  else log(`  Graph write calls ${writes} at ${(writes / (ms / 1000)).toFixed(2)}/s`);
  log(`  Pipedrive calls ${sumCounts(crm)} (min ${m.crm}): ${formatCounts(crm)}`);
  log(`  DB statements ${result.dbStatements ?? 'n/a'}; contact_links rows written ${result.linkRowsWritten ?? 'n/a'}; RSS ${baseRssMb} MB before → peak ${mem.peakRssMb} MB; peak heap ${mem.peakHeapMb} MB`);
  if (usePg && process.env.BENCH_SQL_SHAPES === '1') for (const [shape, count, ms] of takeStatementShapes()) log(`    sql ×${count} (${(ms / 1000).toFixed(2)} s): ${shape}`);
  return result;
}

async function main() {
  installDbStatementCounter();
  log(`machine: ${machineDescription()}`);
  log(`world: ${describeWorld(world)}`);
  const server = await startDatabaseServer();
  log(`database: ${server.description}`);
  const results: RunResult[] = [];
  let limits: string[] = [];
  const notes: string[] = [];
  try {
    for (const n of counts) {
      log(`--- N = ${fmtInt(n)} ---`);
      const app = await createBenchApp(server, { world });
      try {
        limits = world.realLimits ? realLimitsInForce(app.sandbox) : raiseEmulatorLimits(app.sandbox);
        // The emulator's per-request service time (held in one of the mailbox's 4 slots), on top of the network latency.
        if (args['graph-service-ms']) limits.push(`Graph: ${app.sandbox.microsoft.config({ latencyMs: Number(args['graph-service-ms']) }).latencyMs} ms of Outlook work per request`);
        const tg = performance.now();
        // Persons that existed before today's runs (outside the hourly pass's 60 s overlap window).
        app.sandbox.advanceClock(-10 * 60_000);
        app.sandbox.pipedrive.generatePersons(NORTHWIND.companyId, NORTHWIND.admin, n);
        app.sandbox.advanceClock(10 * 60_000);
        const owned = app.sandbox.pipedrive.persons(NORTHWIND.companyId).filter((p) => !p.is_deleted && p.owner_id === NORTHWIND.admin) as Person[];
        const ok = owned.filter(exportable).length;
        const note =
          provider === 'google'
            ? `N=${fmtInt(n)}: generated ${fmtInt(n)} persons in ${fmtSeconds(performance.now() - tg)}; owned by 13001 incl. demo persons: ${fmtInt(owned.length)}; pass Google's required fields (first + last name + phone/e-mail): ${fmtInt(ok)} (${((ok / owned.length) * 100).toFixed(1)} %), skipped by design: ${fmtInt(owned.length - ok)}`
            : `N=${fmtInt(n)}: generated ${fmtInt(n)} persons in ${fmtSeconds(performance.now() - tg)}; owned by 13001 incl. demo persons: ${fmtInt(owned.length)} (Outlook has no required fields: C12 is Google's rule)`;
        notes.push(note);
        log(note);

        const tenant = await app.installPipedrive(NORTHWIND.admin);
        const accountId = provider === 'google' ? await app.linkGoogle(tenant, EMAIL) : await app.linkMicrosoft(tenant, EMAIL);
        const { syncId } = await startSync(tenant, { accountId, direction: 'crm_to_provider' });
        // Minimum CRM calls for a first export or a full sweep: the person pages, and — when persons belong to
        // organizations — the organizations' names and phones they carry into the contact (C11): one read of
        // the organization field definitions (which fields are phones) and the organizations 100 ids per call.
        const orgIds = new Set(owned.filter((p) => exportable(p) && p.org_id).map((p) => p.org_id!));
        const orgReads = orgIds.size ? 1 + Math.ceil(orgIds.size / ORG_IDS_PER_READ) : 0;
        const crmPages = Math.max(1, Math.ceil(owned.length / CRM_PAGE_SIZE));
        const crmMin = crmPages + orgReads;
        const usePg = server.kind === 'postgres';

        // First export. Minimum provider calls: the creates in the largest batches the provider takes (Google:
        // ceil(exported / 200) batchCreateContacts; Graph: ceil(exported / 20) `$batch`) + the group (list the
        // groups/folders to find it + create it); Graph also lists the folder once for contacts an earlier sync
        // stamped (lib/sync/contacts/adopt-earlier.ts). Minimum CRM calls: `crmMin` above.
        const perCall = provider === 'google' ? GOOGLE_BATCH_CREATE_MAX : GRAPH_JSON_BATCH_MAX;
        const groupCalls = provider === 'google' ? 2 : 3;
        const first = await measure(app, `N=${fmtInt(n)} first export`, n, syncId, 'start', (exported) => ({ google: Math.ceil(exported / perCall) + groupCalls, crm: crmMin }), owned.length, usePg);
        const expected = provider === 'google' ? ok : owned.length;
        if (first.exported !== expected) log(`  WARNING: exported ${first.exported} contacts, expected ${expected}`);
        results.push(first);

        // No-change Refresh: a full sweep. Minimum provider calls: 1 (the group still exists); the CRM is listed
        // in full, the only way to notice deletes (no deleted-persons feed exists); unchanged persons need no
        // organization read.
        const second = await measure(app, `N=${fmtInt(n)} no-change Refresh (full sweep)`, n, syncId, 'refresh', () => ({ google: 1, crm: crmPages }), owned.length, usePg);
        if (second.exported !== 0) log(`  WARNING: no-change run added ${second.exported} contacts`);
        results.push(second);

        // No-change hourly run: incremental (updated_since watermark): one CRM page of (no) changes.
        const third = await measure(app, `N=${fmtInt(n)} no-change hourly run (incremental)`, n, syncId, 'hourly', () => ({ google: 1, crm: 1 }), owned.length, usePg);
        if (third.exported !== 0) log(`  WARNING: hourly run added ${third.exported} contacts`);
        results.push(third);
      } finally {
        await app.close();
        gcNow();
      }
    }
  } finally {
    await server.stop();
  }

  console.log(`\n## CRM → ${provider === 'google' ? 'Google' : 'Outlook'} export\n`);
  console.log(`Machine: ${machineDescription()}`);
  console.log(`Database: ${server.description}`);
  console.log(`World: ${describeWorld(world)}`);
  console.log(world.realLimits ? 'Rate limits in force:' : 'Emulator limits raised:');
  for (const l of limits) console.log(`- ${l}`);
  for (const note of notes) console.log(`- ${note}`);
  console.log('');
  printTable(
    ['Run', 'Wall time', 'Persons listed/s', 'Contacts created', 'Created/s', provider === 'google' ? 'Google write calls/s ÷ allowed' : 'Graph write calls/s', `${NAME} calls (min) ÷ min`, `${NAME} calls by method`, 'Pipedrive calls (min) ÷ min', 'DB statements', 'Link rows written', 'RSS before → peak', 'Peak heap'],
    results.map((r) => [
      r.label,
      fmtSeconds(r.ms),
      fmtInt(Math.round(r.persons / (r.ms / 1000))),
      fmtInt(r.exported),
      r.exported ? fmtInt(Math.round(r.exported / (r.ms / 1000))) : '—',
      !writesOf(r.google) ? '—' : provider === 'google' ? `${(writesOf(r.google) / (r.ms / 1000)).toFixed(2)} ÷ ${googleWriteCallsPerSecond()} = ${ratio(writesOf(r.google) / (r.ms / 1000), googleWriteCallsPerSecond())}` : (writesOf(r.google) / (r.ms / 1000)).toFixed(2),
      `${fmtInt(sumCounts(r.google))} (${fmtInt(r.googleMin)}) ${ratio(sumCounts(r.google), r.googleMin)}`,
      formatCounts(r.google),
      `${fmtInt(sumCounts(r.crm))} (${fmtInt(r.crmMin)}) ${ratio(sumCounts(r.crm), r.crmMin)}`,
      r.dbStatements === null ? 'n/a' : fmtInt(r.dbStatements),
      r.linkRowsWritten === null ? 'n/a' : fmtInt(r.linkRowsWritten),
      `${r.baseRssMb} → ${r.peakRssMb} MB`,
      `${r.peakHeapMb} MB`,
    ]),
  );
  console.log(`\nPipedrive calls by endpoint: ${results.map((r) => `${r.label}: ${formatCounts(r.crm)}`).join('; ')}`);
  console.log('\nRSS is the whole benchmark process: app code + in-process emulators (which hold all N persons and the created contacts); Postgres runs in its own process and is not included.');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
