/**
 * Benchmark: provider → CRM first import (Contacts II) of N generated provider contacts into Pipedrive (or
 * Teamleader with `--crm=teamleader`),
 * then a no-change run (the hourly run).
 *
 *   npm run bench:import                                  # N = 100,000, Google
 *   npm run bench:import -- --n=10k,25k                   # other sizes
 *   npm run bench:import -- --provider=microsoft --n=10k  # Outlook folder "Clients" instead of Google group "Clients"
 *   npm run bench:import -- --n=2k --latency=100 --real-limits   # 100 ms per vendor call, real rate limits
 *   npm run bench:import -- --crm=teamleader --n=300 --latency=100 --real-limits   # into Teamleader (200 calls/min)
 *
 * For each N: fresh database + fresh in-process sandbox, N contacts generated in the provider's "Clients"
 * group/folder, Synclane installed in Pipedrive as admin 13001, the provider account linked,
 * `prepareCrmFields` + `startSync({ direction: 'provider_to_crm', groupId })`, run, then run again.
 * Prints wall time, contacts/s, API calls per side vs the minimum, the achieved Pipedrive write rate ÷ the
 * allowed rate (burst limit ÷ window), DB statements, peak RSS (100 ms samples).
 * Real app code throughout; emulator quotas/burst limits are raised so the numbers measure our code, unless
 * `--real-limits`; `--latency=MS` (and `--jitter=MS`) adds per-call network latency in every emulator.
 */
import './sandbox-env';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import { startSync } from '@/lib/contacts/service';
import { GRAPH_DELTA_PAGE_SIZE } from '@/lib/providers/microsoft/client';
import {
  NORTHWIND,
  createBenchApp,
  describeWorld,
  parseWorld,
  pipedriveAllowedPerSecond,
  teamleaderAllowedPerSecond,
  BRUGGE,
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

const args = parseArgs();
const provider = (args.provider ?? 'google') as 'google' | 'microsoft';
if (provider !== 'google' && provider !== 'microsoft') throw new Error('--provider must be google or microsoft');
const crmKind = (args.crm ?? 'pipedrive') as 'pipedrive' | 'teamleader';
if (crmKind !== 'pipedrive' && crmKind !== 'teamleader') throw new Error('--crm must be pipedrive or teamleader');
const CRM_NAME = crmKind === 'pipedrive' ? 'Pipedrive' : 'Teamleader';
const counts = parseCounts(args.n, [100_000]);
const world = parseWorld(args);
const EMAIL = provider === 'google' ? 'olivia.northwind@gmail.com' : 'olivia.northwind@outlook.com';
const GOOGLE_LIST_PAGE = 1000; // people.connections.list pageSize maximum

type RunResult = {
  label: string;
  n: number;
  status: string;
  ms: number;
  created: number;
  runCounts: unknown;
  provider: Record<string, number>;
  providerMin: number;
  crm: Record<string, number>;
  crmMin: number;
  dbStatements: number | null;
  baseRssMb: number;
  peakRssMb: number;
  peakHeapMb: number;
  /** CRM writes and the allowed CRM request rate. */
  crmWrites: number;
  allowedPerSecond: number;
  /** Calls one window allows (the burst a sliding window lets go at once). */
  windowBudget: number;
};

/** Calls per second less the first window's budget (the sliding window's head start): (calls − budget) ÷ wall time. */
const sustainedCalls = (r: RunResult) => Math.max(0, sumCounts(r.crm) - r.windowBudget) / (r.ms / 1000);

/**
 * The CRM side: Pipedrive (REST; writes are POST/PATCH/PUT/DELETE) or Teamleader (every call is a POST to
 * `<resource>.<action>`; reads are `.list`/`.info`, everything else writes).
 */
type CrmSide = {
  persons(app: BenchApp): number;
  requestCounts(app: BenchApp): Record<string, number>;
  resetRequestCounts(app: BenchApp): void;
  isWrite(endpoint: string): boolean;
  allowedPerSecond(app: BenchApp): number;
  windowSeconds(app: BenchApp): number;
};
const CRM_SIDES: Record<'pipedrive' | 'teamleader', CrmSide> = {
  pipedrive: {
    persons: (app) => app.sandbox.pipedrive.persons(NORTHWIND.companyId).filter((p) => !p.is_deleted).length,
    requestCounts: (app) => app.sandbox.pipedrive.requestCounts(),
    resetRequestCounts: (app) => app.sandbox.pipedrive.resetRequestCounts(),
    isWrite: (k) => /^(POST|PATCH|PUT|DELETE) /.test(k),
    allowedPerSecond: (app) => pipedriveAllowedPerSecond(app.sandbox, world, NORTHWIND.companyId),
    windowSeconds: (app) => ((app.sandbox.pipedrive.summary().settings as { burstWindowMs?: number }).burstWindowMs ?? 2000) / 1000,
  },
  teamleader: {
    persons: (app) => app.sandbox.teamleader.contacts(BRUGGE.accountId).length,
    requestCounts: (app) => app.sandbox.teamleader.requestCounts(),
    resetRequestCounts: (app) => app.sandbox.teamleader.resetRequestCounts(),
    isWrite: (k) => !/\.(list|info|me)$/.test(k),
    allowedPerSecond: (app) => teamleaderAllowedPerSecond(app.sandbox),
    windowSeconds: (app) => app.sandbox.teamleader.config().rateLimitWindowSeconds,
  },
};
const crmSide = CRM_SIDES[crmKind];

const fmtRate = (perSecond: number) => (perSecond >= 1e6 ? 'unlimited' : Number(perSecond.toFixed(2)).toString());

const writesOf = (c: Record<string, number>) => Object.entries(c).reduce((n, [k, v]) => (crmSide.isWrite(k) ? n + v : n), 0);

const livePersons = (app: BenchApp) => crmSide.persons(app);
const providerCounts = (app: BenchApp) => (provider === 'google' ? app.sandbox.google.requestCounts(EMAIL) : app.sandbox.microsoft.requestCounts(EMAIL));
const resetProviderCounts = (app: BenchApp) => {
  if (provider === 'google') app.sandbox.google.resetRequestCounts(EMAIL);
};

async function measure(app: BenchApp, label: string, n: number, syncId: string, trigger: 'start' | 'refresh', mins: { provider: number; crm: number }, usePg: boolean): Promise<RunResult> {
  resetProviderCounts(app);
  const providerBefore = providerCounts(app); // Microsoft counters cannot be reset: diff them
  crmSide.resetRequestCounts(app);
  const personsBefore = livePersons(app);
  gcNow();
  const baseRssMb = rssNowMb();
  const db0 = dbStatementCount();
  takeStatementShapes();
  const sampler = startMemorySampler(100);
  const t0 = performance.now();
  const progress = setInterval(() => {
    const created = livePersons(app) - personsBefore;
    const s = (performance.now() - t0) / 1000;
    log(`  … ${label}: ${fmtInt(created)} persons created after ${s.toFixed(0)} s (${fmtInt(Math.round(created / s))}/s), RSS ${rssNowMb()} MB`);
  }, 30_000);
  progress.unref();
  const r = await app.runSync(syncId, trigger);
  const ms = performance.now() - t0;
  clearInterval(progress);
  const mem = sampler.stop();
  if (r.status !== 'succeeded') throw new Error(`${label}: run ${r.status}: ${(r.error as Error)?.stack ?? JSON.stringify(r.error)}`);
  const result: RunResult = {
    label,
    n,
    status: r.status,
    ms,
    created: livePersons(app) - personsBefore,
    runCounts: r.counts,
    provider: diffCounts(providerCounts(app), providerBefore),
    providerMin: mins.provider,
    crm: diffCounts(crmSide.requestCounts(app)),
    crmMin: mins.crm,
    dbStatements: usePg ? dbStatementCount() - db0 : null,
    baseRssMb,
    peakRssMb: mem.peakRssMb,
    peakHeapMb: mem.peakHeapMb,
    crmWrites: 0,
    allowedPerSecond: crmSide.allowedPerSecond(app),
    windowBudget: Math.round(crmSide.allowedPerSecond(app) * crmSide.windowSeconds(app)),
  };
  result.crmWrites = writesOf(result.crm);
  log(`${label}: ${r.status} in ${fmtSeconds(ms)}; run counts ${JSON.stringify(r.counts)}; ${CRM_NAME} persons created ${fmtInt(result.created)}`);
  log(`  steps: ${formatSteps(r.steps)}`);
  log(`  ${provider} calls ${sumCounts(result.provider)} (min ${mins.provider}): ${formatCounts(result.provider)}`);
  log(`  ${CRM_NAME} calls ${sumCounts(result.crm)} (min ${mins.crm}; ÷ min ${ratio(sumCounts(result.crm), mins.crm)}): ${formatCounts(result.crm)}`);
  log(`  ${CRM_NAME} writes ${fmtInt(result.crmWrites)} at ${(result.crmWrites / (ms / 1000)).toFixed(1)}/s; allowed ${result.allowedPerSecond}/s → achieved ÷ allowed ${ratio(result.crmWrites / (ms / 1000), result.allowedPerSecond)}`);
  // Every call counts against the CRM's budget, reads too (Teamleader reads each created contact back). A
  // sliding window lets one window's budget go at once at the start; in a run only a few windows long that
  // start is a large share, so the sustained rate leaves it out.
  log(`  ${CRM_NAME} calls (reads and writes) at ${(sumCounts(result.crm) / (ms / 1000)).toFixed(1)}/s → ÷ allowed ${ratio(sumCounts(result.crm) / (ms / 1000), result.allowedPerSecond)}; sustained (less the first window's ${fmtInt(result.windowBudget)}) ${ratio(sustainedCalls(result), result.allowedPerSecond)}`);
  log(`  DB statements ${result.dbStatements ?? 'n/a'}${result.dbStatements !== null && n ? ` (${(result.dbStatements / n).toFixed(2)} per contact)` : ''}; RSS ${baseRssMb} MB before → peak ${mem.peakRssMb} MB; peak heap ${mem.peakHeapMb} MB`);
  if (usePg && process.env.BENCH_SQL_SHAPES === '1') for (const [shape, count, ms] of takeStatementShapes()) log(`    sql ×${count} (${(ms / 1000).toFixed(2)} s): ${shape}`);
  return result;
}

async function main() {
  installDbStatementCounter();
  log(`machine: ${machineDescription()}`);
  log(`world: ${describeWorld(world)}`);
  const server = await startDatabaseServer();
  log(`database: ${server.description}; provider: ${provider}`);
  const results: RunResult[] = [];
  const notes: string[] = [];
  let limits: string[] = [];
  try {
    for (const n of counts) {
      log(`--- N = ${fmtInt(n)} (${provider}) ---`);
      const app = await createBenchApp(server, { world });
      try {
        limits = world.realLimits ? realLimitsInForce(app.sandbox) : raiseEmulatorLimits(app.sandbox);
        const tg = performance.now();
        let groupId: string;
        let inScope: number;
        let listed: number;
        let orgNames: Set<string>;
        let withOrg: number;
        if (provider === 'google') {
          const group = app.sandbox.google.groups(EMAIL).find((g) => g.name === 'Clients');
          if (!group) throw new Error('Google group Clients not found');
          groupId = group.resourceName;
          app.sandbox.google.generateContacts(EMAIL, n, groupId);
          inScope = app.sandbox.google.groups(EMAIL).find((g) => g.name === 'Clients')!.memberCount;
          const all = app.sandbox.google.contacts(EMAIL) as { memberships?: { contactGroupMembership?: { contactGroupResourceName?: string } }[]; organizations?: { name?: string }[] }[];
          listed = all.length; // connections.list has no group filter: the whole account is read
          const companies = all
            .filter((p) => (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === groupId))
            .map((p) => p.organizations?.[0]?.name)
            .filter((x): x is string => !!x);
          orgNames = new Set(companies);
          withOrg = companies.length;
        } else {
          const folder = app.sandbox.microsoft.folders(EMAIL).find((f) => f.displayName === 'Clients');
          if (!folder) throw new Error('Outlook folder Clients not found');
          groupId = folder.id;
          app.sandbox.microsoft.generateContacts(EMAIL, groupId, n);
          const inFolder = app.sandbox.microsoft.contacts(EMAIL, groupId);
          inScope = inFolder.length;
          listed = inScope; // delta is per folder
          const companies = inFolder.map((c) => c.fields.companyName).filter((x): x is string => !!x);
          orgNames = new Set(companies);
          withOrg = companies.length;
        }
        const note = `N=${fmtInt(n)} (${provider}): generated in ${fmtSeconds(performance.now() - tg)}; contacts in Clients incl. demo: ${fmtInt(inScope)}; contacts the listing reads: ${fmtInt(listed)}; distinct company names: ${orgNames.size}`;
        notes.push(note);
        log(note);

        const tenant = crmKind === 'pipedrive' ? await app.installPipedrive(NORTHWIND.admin) : await app.installTeamleader(BRUGGE.admin);
        const accountId = provider === 'google' ? await app.linkGoogle(tenant, EMAIL) : await app.linkMicrosoft(tenant, EMAIL);
        crmSide.resetRequestCounts(app);
        await prepareCrmFields(tenant);
        log(`setup (prepareCrmFields, outside the run): ${CRM_NAME} ${formatCounts(crmSide.requestCounts(app))}`);
        const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId, groupName: 'Clients' });
        const usePg = server.kind === 'postgres';

        // Minimum provider calls: Google reads the whole account with connections.list (1000 per page max,
        // no group filter); Microsoft reads the folder's delta at the page size the engine asks for (200;
        // the deltaLink comes with the last page).
        const providerMin = Math.max(1, provider === 'google' ? Math.ceil(listed / GOOGLE_LIST_PAGE) : Math.ceil(listed / GRAPH_DELTA_PAGE_SIZE));
        // Minimum CRM calls: neither CRM has a batch create — one create per person, plus one org create per
        // distinct company name (the org may not exist yet); Teamleader links a contact to its company with a
        // second call (contacts.linkToCompany), Pipedrive takes the org id in the create.
        const crmMin = inScope + orgNames.size + (crmKind === 'teamleader' ? withOrg : 0);
        const first = await measure(app, `N=${fmtInt(n)} first import`, n, syncId, 'start', { provider: providerMin, crm: crmMin }, usePg);
        results.push(first);
        const second = await measure(app, `N=${fmtInt(n)} no-change run`, n, syncId, 'refresh', { provider: 1, crm: 0 }, usePg);
        if (second.created !== 0) log(`  WARNING: no-change run created ${second.created} persons`);
        results.push(second);
      } finally {
        await app.close();
        gcNow();
      }
    }
  } finally {
    await server.stop();
  }

  console.log(`\n## ${provider === 'google' ? 'Google' : 'Outlook'} → ${CRM_NAME} import\n`);
  console.log(`Machine: ${machineDescription()}`);
  console.log(`Database: ${server.description}`);
  console.log(`World: ${describeWorld(world)}`);
  console.log(world.realLimits ? 'Rate limits in force:' : 'Emulator limits raised:');
  for (const l of limits) console.log(`- ${l}`);
  for (const note of notes) console.log(`- ${note}`);
  console.log('');
  printTable(
    ['Run', 'Wall time', 'Persons created', 'Contacts/s', `${CRM_NAME} writes/s ÷ allowed`, `${CRM_NAME} calls/s ÷ allowed`, `${provider} calls (min) ÷ min`, `${provider} calls by method`, `${CRM_NAME} calls (min) ÷ min`, `${CRM_NAME} calls by endpoint`, 'DB statements', 'RSS before → peak', 'Peak heap'],
    results.map((r) => [
      r.label,
      fmtSeconds(r.ms),
      fmtInt(r.created),
      r.created ? fmtInt(Math.round(r.created / (r.ms / 1000))) : '—',
      r.crmWrites ? `${(r.crmWrites / (r.ms / 1000)).toFixed(1)} ÷ ${fmtRate(r.allowedPerSecond)} = ${ratio(r.crmWrites / (r.ms / 1000), r.allowedPerSecond)}` : '—',
      r.crmWrites ? `${(sumCounts(r.crm) / (r.ms / 1000)).toFixed(1)} ÷ ${fmtRate(r.allowedPerSecond)} = ${ratio(sumCounts(r.crm) / (r.ms / 1000), r.allowedPerSecond)} (sustained ${ratio(sustainedCalls(r), r.allowedPerSecond)})` : '—',
      `${fmtInt(sumCounts(r.provider))} (${fmtInt(r.providerMin)}) ${ratio(sumCounts(r.provider), r.providerMin)}`,
      formatCounts(r.provider),
      `${fmtInt(sumCounts(r.crm))} (${fmtInt(r.crmMin)}) ${ratio(sumCounts(r.crm), r.crmMin)}`,
      formatCounts(r.crm),
      r.dbStatements === null ? 'n/a' : fmtInt(r.dbStatements),
      `${r.baseRssMb} → ${r.peakRssMb} MB`,
      `${r.peakHeapMb} MB`,
    ]),
  );
  console.log('\nRSS is the whole benchmark process: app code + in-process emulators (which hold all N contacts and the created persons); Postgres runs in its own process and is not included.');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
