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
 *
 * The sandbox runs in a CHILD PROCESS by default (scripts/bench-sandbox-process.ts): the vendors run on other
 * machines in reality, so this process's CPU, wall time and RSS are the app's (plus the database client;
 * Postgres is its own process). `--sandbox=in-process` runs the emulators in this process instead (the
 * figures then include the emulators' CPU and memory). The output says which mode ran.
 */
import './sandbox-env';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import { startSync } from '@/lib/contacts/service';
import { GRAPH_DELTA_PAGE_SIZE } from '@/lib/providers/microsoft/client';
import { startSandboxProcess } from './bench-sandbox-client';
import { generateImportScope, livePersonCount, teamleaderContactCount, type ImportScope } from './bench-import-world';
import { crmAllowance } from './bench-emulator-limits';
import {
  NORTHWIND,
  BRUGGE,
  createBenchApp,
  describeWorld,
  parseWorld,
  pipedriveAllowedPerSecond,
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
  mb,
  type BenchApp,
  type ExternalSandbox,
} from './bench-support';

const args = parseArgs();
const provider = (args.provider ?? 'google') as 'google' | 'microsoft';
if (provider !== 'google' && provider !== 'microsoft') throw new Error('--provider must be google or microsoft');
const crmKind = (args.crm ?? 'pipedrive') as 'pipedrive' | 'teamleader';
if (crmKind !== 'pipedrive' && crmKind !== 'teamleader') throw new Error('--crm must be pipedrive or teamleader');
const CRM_NAME = crmKind === 'pipedrive' ? 'Pipedrive' : 'Teamleader';
const counts = parseCounts(args.n, [100_000]);
const world = parseWorld(args);
const sandboxMode = (args.sandbox ?? 'child-process') as 'child-process' | 'in-process';
if (sandboxMode !== 'child-process' && sandboxMode !== 'in-process') throw new Error('--sandbox must be child-process or in-process');
const APP_URL = 'http://127.0.0.1:3999';
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
  /** CRM writes and the CRM's allowed request rate (every call counts against it, reads too). */
  crmWrites: number;
  allowedPerSecond: number;
  /** Calls one window allows: a sliding window lets that many go at once at the start. */
  windowBudget: number;
  /** RSS of the sandbox process after the run (child-process mode). */
  sandboxRssMb: number | null;
};

/** Pipedrive writes are POST/PATCH/PUT/DELETE; every Teamleader call is a POST to `<resource>.<action>`, reads being `.list`/`.info`. */
const isWrite = (endpoint: string) => (crmKind === 'pipedrive' ? /^(POST|PATCH|PUT|DELETE) /.test(endpoint) : !/\.(list|info|me)$/.test(endpoint));
const writesOf = (c: Record<string, number>) => Object.entries(c).reduce((n, [k, v]) => (isWrite(k) ? n + v : n), 0);
/** CRM calls per second less the first window's budget (the sliding window's head start, large in a run only a few windows long). */
const sustainedCalls = (r: RunResult) => Math.max(0, sumCounts(r.crm) - r.windowBudget) / (r.ms / 1000);
const fmtRate = (perSecond: number) => (perSecond >= 1e6 ? 'unlimited' : Number(perSecond.toFixed(2)).toString());

/**
 * What the benchmark asks the emulators, wherever they run: in this process, or in the sandbox process
 * (one JSON command per line; the contacts are generated and counted there, never sent across).
 */
type Emulators = {
  mode: string;
  /** Given to createBenchApp: the sandbox runs elsewhere (undefined: createBenchApp starts it in-process). */
  external?: ExternalSandbox;
  attach(app: BenchApp): void;
  call<T>(target: 'google' | 'microsoft' | 'pipedrive' | 'teamleader', method: string, ...args: unknown[]): Promise<T>;
  importScope(n: number): Promise<ImportScope>;
  livePersons(): Promise<number>;
  raiseLimits(): Promise<string[]>;
  realLimits(): Promise<string[]>;
  crmAllowance(): Promise<{ perSecond: number; windowSeconds: number }>;
  /** The sandbox process's RSS (MB), or null in-process (it is part of this process's). */
  rssMb(): Promise<number | null>;
};

async function startEmulators(): Promise<Emulators> {
  if (sandboxMode === 'in-process') {
    let app: BenchApp | null = null;
    const sandbox = () => app!.sandbox;
    return {
      mode: 'in-process (the figures include the emulators)',
      attach: (a) => void (app = a),
      call: async <T,>(target: 'google' | 'microsoft' | 'pipedrive' | 'teamleader', method: string, ...a: unknown[]) =>
        (sandbox()[target] as unknown as Record<string, (...x: unknown[]) => T>)[method]!(...a),
      importScope: async (n) => generateImportScope(sandbox(), provider, EMAIL, n),
      livePersons: async () => (crmKind === 'teamleader' ? teamleaderContactCount(sandbox(), BRUGGE.accountId) : livePersonCount(sandbox(), NORTHWIND.companyId)),
      raiseLimits: async () => raiseEmulatorLimits(sandbox()),
      realLimits: async () => realLimitsInForce(sandbox()),
      crmAllowance: async () => crmAllowance(sandbox(), crmKind, world, NORTHWIND.companyId),
      rssMb: async () => null,
    };
  }
  const child = await startSandboxProcess({
    APP_URL,
    BENCH_SANDBOX_LIMITS: 'as-started',
    SANDBOX_REAL_LIMITS: world.realLimits ? '1' : '0',
    SANDBOX_LATENCY_MS: String(world.latencyMs),
    SANDBOX_LATENCY_JITTER_MS: String(world.jitterMs),
  });
  return {
    mode: `child process ${child.proc.pid} (the figures are the app's; the emulators run beside it, as the vendors would)`,
    external: { url: child.url, close: () => child.close() },
    attach: () => undefined,
    call: async <T,>(target: string, method: string, ...a: unknown[]) => (await child.send({ cmd: 'call', target, method, args: a })) as T,
    importScope: async (n) => (await child.send({ cmd: 'import-scope', provider, email: EMAIL, n })) as ImportScope,
    livePersons: async () => (await child.send(crmKind === 'teamleader' ? { cmd: 'live-persons', accountId: BRUGGE.accountId } : { cmd: 'live-persons', companyId: NORTHWIND.companyId })) as number,
    raiseLimits: async () => (await child.send({ cmd: 'raise-limits' })) as string[],
    realLimits: async () => (await child.send({ cmd: 'real-limits' })) as string[],
    crmAllowance: async () => (await child.send({ cmd: 'crm-allowance', crm: crmKind, realLimits: world.realLimits, companyId: NORTHWIND.companyId })) as { perSecond: number; windowSeconds: number },
    rssMb: async () => mb(((await child.send({ cmd: 'rss' })) as { rss: number }).rss),
  };
}

const providerCounts = (emu: Emulators) => (provider === 'google' ? emu.call<Record<string, number>>('google', 'requestCounts', EMAIL) : emu.call<Record<string, number>>('microsoft', 'requestCounts', EMAIL));
const resetProviderCounts = async (emu: Emulators) => {
  if (provider === 'google') await emu.call('google', 'resetRequestCounts', EMAIL);
};
const crmCounts = (emu: Emulators) => emu.call<Record<string, number>>(crmKind, 'requestCounts');
const CREATE_ENDPOINT = crmKind === 'pipedrive' ? 'POST /api/v2/persons' : 'contacts.add';

async function measure(app: BenchApp, emu: Emulators, label: string, n: number, syncId: string, trigger: 'start' | 'refresh', mins: { provider: number; crm: number }, usePg: boolean): Promise<RunResult> {
  await resetProviderCounts(emu);
  const providerBefore = await providerCounts(emu); // Microsoft counters cannot be reset: diff them
  await emu.call(crmKind, 'resetRequestCounts');
  const personsBefore = await emu.livePersons();
  gcNow();
  const baseRssMb = rssNowMb();
  const db0 = dbStatementCount();
  takeStatementShapes();
  const sampler = startMemorySampler(100);
  const t0 = performance.now();
  const progress = setInterval(() => {
    void crmCounts(emu).then((c) => {
      const created = c[CREATE_ENDPOINT] ?? 0;
      const s = (performance.now() - t0) / 1000;
      log(`  … ${label}: ${fmtInt(created)} persons created after ${s.toFixed(0)} s (${fmtInt(Math.round(created / s))}/s), RSS ${rssNowMb()} MB`);
    });
  }, 30_000);
  progress.unref();
  const r = await app.runSync(syncId, trigger);
  const ms = performance.now() - t0;
  clearInterval(progress);
  const mem = sampler.stop();
  const sandboxRssMb = await emu.rssMb();
  if (r.status !== 'succeeded') throw new Error(`${label}: run ${r.status}: ${(r.error as Error)?.stack ?? JSON.stringify(r.error)}`);
  const result: RunResult = {
    label,
    n,
    status: r.status,
    ms,
    created: (await emu.livePersons()) - personsBefore,
    runCounts: r.counts,
    provider: diffCounts(await providerCounts(emu), providerBefore),
    providerMin: mins.provider,
    crm: diffCounts(await crmCounts(emu)),
    crmMin: mins.crm,
    dbStatements: usePg ? dbStatementCount() - db0 : null,
    baseRssMb,
    peakRssMb: mem.peakRssMb,
    peakHeapMb: mem.peakHeapMb,
    crmWrites: 0,
    allowedPerSecond: 0,
    windowBudget: 0,
    sandboxRssMb,
  };
  result.crmWrites = writesOf(result.crm);
  const allowance = await emu.crmAllowance();
  result.allowedPerSecond = allowance.perSecond;
  result.windowBudget = Math.round(allowance.perSecond * allowance.windowSeconds);
  log(`${label}: ${r.status} in ${fmtSeconds(ms)}; run counts ${JSON.stringify(r.counts)}; ${CRM_NAME} persons created ${fmtInt(result.created)}`);
  log(`  steps: ${formatSteps(r.steps)}`);
  log(`  ${provider} calls ${sumCounts(result.provider)} (min ${mins.provider}): ${formatCounts(result.provider)}`);
  log(`  ${CRM_NAME} calls ${sumCounts(result.crm)} (min ${mins.crm}; ÷ min ${ratio(sumCounts(result.crm), mins.crm)}): ${formatCounts(result.crm)}`);
  log(`  ${CRM_NAME} writes ${fmtInt(result.crmWrites)} at ${(result.crmWrites / (ms / 1000)).toFixed(1)}/s; allowed ${fmtRate(result.allowedPerSecond)}/s → achieved ÷ allowed ${ratio(result.crmWrites / (ms / 1000), result.allowedPerSecond)}`);
  log(`  ${CRM_NAME} calls (reads and writes) at ${(sumCounts(result.crm) / (ms / 1000)).toFixed(1)}/s → ÷ allowed ${ratio(sumCounts(result.crm) / (ms / 1000), result.allowedPerSecond)}; sustained (less the first window's ${fmtInt(result.windowBudget)}) ${ratio(sustainedCalls(result), result.allowedPerSecond)}`);
  log(`  DB statements ${result.dbStatements ?? 'n/a'}${result.dbStatements !== null && n ? ` (${(result.dbStatements / n).toFixed(2)} per contact)` : ''}; RSS ${baseRssMb} MB before → peak ${mem.peakRssMb} MB; peak heap ${mem.peakHeapMb} MB${sandboxRssMb !== null ? `; sandbox process RSS ${sandboxRssMb} MB` : ''}`);
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
      const emu = await startEmulators();
      log(`sandbox: ${emu.mode}`);
      const app = await createBenchApp(server, { world, appUrl: APP_URL, sandbox: emu.external });
      emu.attach(app);
      try {
        limits = world.realLimits ? await emu.realLimits() : await emu.raiseLimits();
        const tg = performance.now();
        const { groupId, inScope, listed, orgNames, withOrg } = await emu.importScope(n);
        const note = `N=${fmtInt(n)} (${provider}): generated in ${fmtSeconds(performance.now() - tg)}; contacts in Clients incl. demo: ${fmtInt(inScope)}; contacts the listing reads: ${fmtInt(listed)}; distinct company names: ${orgNames}`;
        notes.push(note);
        log(note);

        const tenant = crmKind === 'pipedrive' ? await app.installPipedrive(NORTHWIND.admin) : await app.installTeamleader(BRUGGE.admin);
        const accountId = provider === 'google' ? await app.linkGoogle(tenant, EMAIL) : await app.linkMicrosoft(tenant, EMAIL);
        await emu.call(crmKind, 'resetRequestCounts');
        await prepareCrmFields(tenant);
        const setupCalls = await crmCounts(emu);
        log(`setup (prepareCrmFields, outside the run): ${CRM_NAME} ${formatCounts(setupCalls)}`);
        const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId, groupName: 'Clients' });
        const usePg = server.kind === 'postgres';

        // Minimum provider calls: Google reads the whole account with connections.list (1000 per page max,
        // no group filter); Microsoft reads the folder's delta at the page size the engine asks for (200;
        // the deltaLink comes with the last page).
        const providerMin = Math.max(1, provider === 'google' ? Math.ceil(listed / GOOGLE_LIST_PAGE) : Math.ceil(listed / GRAPH_DELTA_PAGE_SIZE));
        // Minimum CRM calls: neither CRM has a batch create — one create per person, plus one org create per
        // distinct company name (the org may not exist yet); Teamleader links a contact to its company with a
        // second call (contacts.linkToCompany), Pipedrive takes the org id in the create.
        const crmMin = inScope + orgNames + (crmKind === 'teamleader' ? withOrg : 0);
        const first = await measure(app, emu, `N=${fmtInt(n)} first import`, n, syncId, 'start', { provider: providerMin, crm: crmMin }, usePg);
        results.push(first);
        const second = await measure(app, emu, `N=${fmtInt(n)} no-change run`, n, syncId, 'refresh', { provider: 1, crm: 0 }, usePg);
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
  console.log(`Sandbox: ${sandboxMode === 'in-process' ? 'in-process (the figures include the emulators)' : "child process (the figures are the app's)"}`);
  console.log(`World: ${describeWorld(world)}`);
  console.log(world.realLimits ? 'Rate limits in force:' : 'Emulator limits raised:');
  for (const l of limits) console.log(`- ${l}`);
  for (const note of notes) console.log(`- ${note}`);
  console.log('');
  printTable(
    ['Run', 'Wall time', 'Persons created', 'Contacts/s', `${CRM_NAME} writes/s ÷ allowed`, `${CRM_NAME} calls/s ÷ allowed (sustained)`, `${provider} calls (min) ÷ min`, `${provider} calls by method`, `${CRM_NAME} calls (min) ÷ min`, `${CRM_NAME} calls by endpoint`, 'DB statements', 'RSS before → peak', 'Peak heap'],
    results.map((r) => [
      r.label,
      fmtSeconds(r.ms),
      fmtInt(r.created),
      r.created ? fmtInt(Math.round(r.created / (r.ms / 1000))) : '—',
      r.crmWrites ? `${(r.crmWrites / (r.ms / 1000)).toFixed(1)} ÷ ${fmtRate(r.allowedPerSecond)} = ${ratio(r.crmWrites / (r.ms / 1000), r.allowedPerSecond)}` : '—',
      r.crmWrites ? `${(sumCounts(r.crm) / (r.ms / 1000)).toFixed(1)} ÷ ${fmtRate(r.allowedPerSecond)} = ${ratio(sumCounts(r.crm) / (r.ms / 1000), r.allowedPerSecond)} (${ratio(sustainedCalls(r), r.allowedPerSecond)})` : '—',
      `${fmtInt(sumCounts(r.provider))} (${fmtInt(r.providerMin)}) ${ratio(sumCounts(r.provider), r.providerMin)}`,
      formatCounts(r.provider),
      `${fmtInt(sumCounts(r.crm))} (${fmtInt(r.crmMin)}) ${ratio(sumCounts(r.crm), r.crmMin)}`,
      formatCounts(r.crm),
      r.dbStatements === null ? 'n/a' : fmtInt(r.dbStatements),
      `${r.baseRssMb} → ${r.peakRssMb} MB`,
      `${r.peakHeapMb} MB`,
    ]),
  );
  console.log(
    sandboxMode === 'in-process'
      ? '\nRSS is the whole benchmark process: app code + in-process emulators (which hold all N contacts and the created persons); Postgres runs in its own process and is not included.'
      : `\nRSS is the app's process (the emulators run in a child process: RSS after the runs ${results.map((r) => `${r.sandboxRssMb} MB`).join(', ')}); Postgres runs in its own process and is not included.`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
