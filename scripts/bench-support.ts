/**
 * Shared plumbing for the benchmark scripts (`npm run bench:export`, `npm run bench:import`).
 *
 * Benchmarks are plain scripts that print numbers — never timed tests. They run the REAL app code
 * (install flows, token manager, sync engine, CRM/provider clients) against the in-process sandbox
 * emulators and a database, the same way `tests/support/harness.ts` does, but without vitest:
 *   - Postgres: a throwaway cluster started from the Postgres binaries when `initdb` is available (as the
 *     unprivileged `postgres` user when we are root — initdb refuses root), one fresh database per case;
 *   - otherwise (or with BENCH_USE_PGLITE=1): embedded PGlite in a temp DATA_DIR, one per case.
 *   BENCH_DATABASE_URL=postgres://…/postgres uses an existing server instead (databases are created in it).
 */
import './sandbox-env';
import { rmSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { startSandbox, type Sandbox } from '@/sandbox/server';
import { defaultRegistration } from '@/sandbox/lib/types';
import { setEnvForTests } from '@/lib/env';
import { closeDb, getDb } from '@/db/client';
import { completePipedriveInstall, completeTeamleaderInstall, findInstalledUser, type InstalledUser } from '@/lib/installations';
import { linkProviderAccount, pipedriveAuthorizationCode, teamleaderAuthorizationCode } from '../tests/support/sandbox-oauth';
import { hasPostgresBinaries, startThrowawayPostgres } from '../tests/support/postgres-server';
import { configureSandboxApp, createDatabase } from '../tests/support/app-env';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { loadConnection } from '@/lib/sync/runtime/connections';
import type { RunRequest, Trigger } from '@/lib/sync/runtime/events';
import { setJobQueue } from '@/lib/jobs/queue';
import { pillarFor } from '@/lib/sync/registry';
import type { Tenant } from '@/lib/tenant';

export const NORTHWIND = { companyId: 7401001, admin: 13001 };
/** The Teamleader demo account (Brugge Bikes) and its admin. */
export const BRUGGE = { accountId: '5b1e2c3d-7a8f-4b6c-9d0e-1f2a3b4c5d6e', admin: 'a1d2e3f4-0001-4c5d-8e9f-000000000001' };

// ------------------------------------------------------------------ command line

export function parseArgs(argv = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) out[m[1]!] = m[2] ?? 'true';
  }
  return out;
}

/** `--n=10000,50000` or `--n=20k` → [10000, 50000] / [20000]. */
export function parseCounts(value: string | undefined, fallback: number[]): number[] {
  if (!value) return fallback;
  return value.split(',').map((s) => {
    const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
    if (!m) throw new Error(`--n: cannot read "${s}"`);
    const mult = m[2]?.toLowerCase() === 'k' ? 1_000 : m[2]?.toLowerCase() === 'm' ? 1_000_000 : 1;
    return Math.round(Number(m[1]) * mult);
  });
}

// ------------------------------------------------------------------ the modelled world

/**
 * `--latency=100` gives every emulated vendor call 100 ms of network latency (`--jitter=20` adds ± 20 ms);
 * `--real-limits` keeps the vendors' documented default rate limits instead of raising them. Without both the
 * numbers are the zero-latency CPU figures (limits raised, so they measure our code).
 */
export type World = { latencyMs: number; jitterMs: number; realLimits: boolean };

export function parseWorld(args: Record<string, string>): World {
  const num = (name: string) => {
    const v = Number(args[name] ?? 0);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: expected milliseconds ≥ 0, got "${args[name]}"`);
    return v;
  };
  return { latencyMs: num('latency'), jitterMs: num('jitter'), realLimits: args['real-limits'] === 'true' };
}

export function describeWorld(w: World): string {
  const latency = w.latencyMs ? `${w.latencyMs} ms${w.jitterMs ? ` ± ${w.jitterMs} ms` : ''} per vendor call` : 'no latency (CPU figures)';
  return `${latency}; ${w.realLimits ? "vendors' real default rate limits" : 'emulator rate limits raised'}`;
}

export { googleWriteCallsPerSecond, pipedriveAllowedPerSecond, raiseEmulatorLimits, realLimitsInForce } from './bench-emulator-limits';

export const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '—');

// ------------------------------------------------------------------ database server

export type DatabaseServer = {
  kind: 'postgres' | 'pglite';
  /** Admin URL of the server (databases are created in it), null for PGlite. */
  adminUrl: string | null;
  description: string;
  stop(): Promise<void>;
};

async function serverVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query('show server_version');
  await c.end();
  return String(r.rows[0]?.server_version ?? '?');
}

/** Same settings as tests/support/global-postgres.ts (fsync off: a throwaway benchmark cluster). */
export async function startDatabaseServer(): Promise<DatabaseServer> {
  if (process.env.BENCH_DATABASE_URL) {
    const url = process.env.BENCH_DATABASE_URL;
    return { kind: 'postgres', adminUrl: url, description: `Postgres ${await serverVersion(url)} (BENCH_DATABASE_URL)`, stop: async () => undefined };
  }
  if (!hasPostgresBinaries() || process.env.BENCH_USE_PGLITE === '1') {
    return { kind: 'pglite', adminUrl: null, description: 'PGlite (embedded, in-process; temp DATA_DIR)', stop: async () => undefined };
  }
  const cluster = await startThrowawayPostgres('synclane-bench-pg-');
  const version = await serverVersion(cluster.adminUrl);
  return {
    kind: 'postgres',
    adminUrl: cluster.adminUrl,
    description: `Postgres ${version} (throwaway local cluster, separate process; fsync=off, synchronous_commit=off)`,
    stop: async () => cluster.stop(),
  };
}

// ------------------------------------------------------------------ DB statement counter

/**
 * Counts statements sent through node-postgres (every drizzle query goes through `Client#query`, pool
 * queries included). Only meaningful with Postgres; with PGlite it stays null.
 */
let dbStatements = 0;
let dbCounterInstalled = false;
export function installDbStatementCounter(): void {
  if (dbCounterInstalled) return;
  dbCounterInstalled = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    dbStatements++;
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | null)?.text;
    const t0 = performance.now();
    let entry: { count: number; ms: number } | null = null;
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      // Pool#query passes a callback: time until it is called.
      args[args.length - 1] = function (this: unknown, ...cbArgs: unknown[]) {
        if (entry) entry.ms += performance.now() - t0;
        return (last as (...a: unknown[]) => unknown).apply(this, cbArgs);
      };
    }
    const result = original.apply(this, args);
    if (text) {
      // Histogram by statement shape (first words + table), to spot per-row (N+1) statements; with the
      // time until the answer came back (includes waiting for a pool connection).
      const shape = text.replace(/\s+/g, ' ').replace(/\$\d+(, \$\d+)*/g, '$n').slice(0, 90);
      const e = statementShapes.get(shape) ?? { count: 0, ms: 0 };
      e.count++;
      statementShapes.set(shape, e);
      entry = e;
      if (typeof last !== 'function' && result && typeof (result as Promise<unknown>).then === 'function')
        (result as Promise<unknown>).then(
          () => (e.ms += performance.now() - t0),
          () => (e.ms += performance.now() - t0),
        );
    }
    return result;
  };
}
const statementShapes = new Map<string, { count: number; ms: number }>();
export const dbStatementCount = () => dbStatements;
/** Statement shapes seen since the last call, most frequent first: [shape, count, total ms]. */
export function takeStatementShapes(top = 8): [string, number, number][] {
  const out = [...statementShapes.entries()]
    .sort((a, b) => b[1].count - a[1].count || b[1].ms - a[1].ms)
    .slice(0, top)
    .map(([shape, e]) => [shape, e.count, Math.round(e.ms)] as [string, number, number]);
  statementShapes.clear();
  return out;
}

// ------------------------------------------------------------------ app + sandbox

export type BenchApp = {
  sandbox: Sandbox;
  databaseUrl: string | null;
  installPipedrive(userId?: number): Promise<Tenant>;
  installTeamleader(userId?: string): Promise<Tenant>;
  linkGoogle(tenant: Tenant, email: string): Promise<string>;
  linkMicrosoft(tenant: Tenant, email: string): Promise<string>;
  /** Runs one sync job in-process; `steps` is the wall time per step kind (`export-page-12` → `export-page`). */
  runSync(syncId: string, trigger?: Trigger): Promise<{ status: string; counts?: unknown; error?: unknown; steps: Record<string, { n: number; ms: number }> }>;
  close(): Promise<void>;
};

/**
 * The sandbox of a bench app that runs it in another process (scripts/bench-sandbox-client.ts): the consent
 * helpers only need its URL and the app registration; anything else must go through that process.
 */
export type ExternalSandbox = { url: string; close(): Promise<void> };

function externalSandboxStandIn(url: string, appUrl: string): Sandbox {
  const known: Record<string, unknown> = { url, ctx: { app: defaultRegistration(appUrl) } };
  return new Proxy(known, {
    get(target, key) {
      if (typeof key === 'string' && key in target) return target[key];
      throw new Error(`the sandbox runs in another process: ask it (bench-sandbox-client), not app.sandbox.${String(key)}`);
    },
  }) as unknown as Sandbox;
}

/**
 * A fresh database (new DB on the server, or a new PGlite dir) and a fresh in-process sandbox — or, with
 * `opts.sandbox`, a sandbox running elsewhere (closed with the app).
 */
export async function createBenchApp(server: DatabaseServer, opts: { appUrl?: string; world?: World; sandbox?: ExternalSandbox } = {}): Promise<BenchApp> {
  const appUrl = opts.appUrl ?? 'http://127.0.0.1:3999';
  const world = opts.world ?? { latencyMs: 0, jitterMs: 0, realLimits: false };
  const external = opts.sandbox;
  const sandbox = external
    ? externalSandboxStandIn(external.url, appUrl)
    : await startSandbox({ port: 0, appUrl, quiet: true, latencyMs: world.latencyMs, jitterMs: world.jitterMs, realLimits: world.realLimits });
  const db = server.adminUrl ? await createDatabase(server.adminUrl, 'bench') : null;
  const databaseUrl = db?.url ?? null;
  const dbName = db?.name ?? null;
  // The quotas the app paces itself to: the vendors' real defaults with --real-limits (as in production),
  // raised like the emulators' otherwise (the zero-latency figures measure our code, not the quotas).
  const quotas = world.realLimits
    ? { GOOGLE_PEOPLE_READS_PER_MINUTE: '60', GOOGLE_PEOPLE_WRITES_PER_MINUTE: '60', GRAPH_REQUESTS_PER_10_MINUTES: '10000' }
    : { GOOGLE_PEOPLE_READS_PER_MINUTE: '1000000000', GOOGLE_PEOPLE_WRITES_PER_MINUTE: '1000000000', GRAPH_REQUESTS_PER_10_MINUTES: '1000000000' };
  const { dataDir } = await configureSandboxApp({ appUrl, sandboxUrl: sandbox.url, databaseUrl, dataDirPrefix: 'synclane-bench-', env: quotas });

  // Benchmarks drive runs explicitly; run requests the app makes (Start) are dropped.
  setJobQueue({ request: async () => undefined, cancel: async () => undefined, cancelUser: async () => undefined });
  const asTenant = async (u: InstalledUser): Promise<Tenant> => (await findInstalledUser(u.crm, u.companyId, u.userExternalId))!;

  return {
    sandbox,
    databaseUrl,
    installPipedrive: async (userId = NORTHWIND.admin) => asTenant(await completePipedriveInstall(await pipedriveAuthorizationCode(sandbox, userId))),
    installTeamleader: async (userId = BRUGGE.admin) => asTenant(await completeTeamleaderInstall(await teamleaderAuthorizationCode(sandbox, userId))),
    linkGoogle: (tenant, email) => linkProviderAccount(sandbox, 'google', tenant, email),
    linkMicrosoft: (tenant, email) => linkProviderAccount(sandbox, 'microsoft', tenant, email),
    async runSync(syncId, trigger = 'refresh') {
      const connection = await loadConnection(syncId);
      if (!connection) throw new Error(`no connection ${syncId}`);
      const pillar = pillarFor(connection.kind);
      const data: RunRequest = (await pillar.requestsFor([connection], trigger))[0]!;
      const steps: Record<string, { n: number; ms: number }> = {};
      const run = async <T>(id: string, fn: () => Promise<T>): Promise<T> => {
        const t0 = performance.now();
        try {
          return await fn();
        } finally {
          const kind = id.replace(/-\d+$/, '');
          const s = (steps[kind] ??= { n: 0, ms: 0 });
          s.n++;
          s.ms += performance.now() - t0;
        }
      };
      try {
        const r = await executeRun(pillar, { run }, data);
        return { status: r.status, counts: (r as { counts?: unknown }).counts, steps };
      } catch (error) {
        await recordRunFailure(data, error);
        return { status: 'failed', error, steps };
      }
    },
    async close() {
      await closeDb();
      await (external ?? sandbox).close();
      if (server.adminUrl && dbName) {
        const c = new pg.Client({ connectionString: server.adminUrl });
        await c.connect();
        await c.query(`drop database if exists ${dbName} with (force)`);
        await c.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ measuring

export type MemorySampler = { stop(): { peakRssMb: number; peakHeapMb: number; samples: number } };

/** Samples `process.memoryUsage()` every `intervalMs` (also once at start and stop). */
export function startMemorySampler(intervalMs = 100): MemorySampler {
  let peakRss = 0;
  let peakHeap = 0;
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop() {
      sample();
      clearInterval(timer);
      return { peakRssMb: mb(peakRss), peakHeapMb: mb(peakHeap), samples };
    },
  };
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export function gcNow(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

export function rssNowMb(): number {
  return mb(process.memoryUsage().rss);
}

export function heapNowMb(): number {
  return mb(process.memoryUsage().heapUsed);
}

/** `{ a: 1 }` minus `{ a: 0 }`, dropping zero entries. */
export function diffCounts(after: Record<string, number>, before: Record<string, number> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}

export const sumCounts = (c: Record<string, number>) => Object.entries(c).reduce((n, [k, v]) => (k === 'total' ? n : n + v), 0);

export function formatCounts(c: Record<string, number>): string {
  const entries = Object.entries(c).filter(([k]) => k !== 'total');
  if (!entries.length) return '(none)';
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export function formatSteps(steps: Record<string, { n: number; ms: number }>): string {
  return Object.entries(steps)
    .map(([k, v]) => `${k}${v.n > 1 ? `×${v.n}` : ''} ${(v.ms / 1000).toFixed(2)} s`)
    .join(', ');
}

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model?.trim() ?? 'unknown CPU'}), ${mb(os.totalmem()) / 1024 > 1 ? (os.totalmem() / 1024 ** 3).toFixed(1) + ' GiB' : mb(os.totalmem()) + ' MiB'} RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Prints a Markdown table (so the output can be pasted into docs/BENCHMARKS.md). */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(headers));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of cells.slice(1)) console.log(line(r));
}

export function log(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  console.log(`[${t}] ${message}`);
}
