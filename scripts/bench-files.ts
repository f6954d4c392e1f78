/**
 * `npm run bench:files` — the Dropbox files pillar (Pipedrive persons ↔ the user's Dropbox), real app code
 * (install, PKCE link, runtime run wrapper, planner, effects, clients) against the sandbox and a database.
 *
 * The sandbox runs in a CHILD PROCESS (scripts/bench-sandbox-process.ts): its emulators keep every file in
 * memory, so this process's RSS is the app's own (plus the database client; Postgres is its own process).
 *
 *   1. Streaming: one 50 MiB file CRM → Dropbox, then one 50 MiB file Dropbox → CRM (a one-record run each):
 *      wall time, RSS growth (peak sampled every 50 ms minus the RSS after a GC before the run). Goal < 32 MB.
 *   2. First sync of N records × 10 small CRM files (`--records=N`, default 1000; `--files=10`).
 *   3. The same records with nothing changed, as an hourly run (the unchanged-record shortcut) and as a
 *      Refresh (the complete pass): transfers must be 0; calls ÷ the APIs' minimum (1 + 1 per record).
 *
 * Calls are counted in this process on the way out (global fetch and node:http, which carries uploads), per
 * vendor and endpoint, and compared
 * with a stated minimum (see MINIMUMS below and docs/BENCHMARKS.md "Files"). `--latency=100` sets the
 * sandbox's per-call latency for the measured runs (seeding runs without it).
 */
import './sandbox-env';
import http from 'node:http';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { eq } from 'drizzle-orm';
import { closeDb, getDb } from '@/db/client';
import { recordFolders } from '@/db/schema';
import { completePipedriveInstall, findInstalledUser } from '@/lib/installations';
import { completeDropboxLink, startDropboxLink } from '@/lib/files/dropbox-linking';
import { syncRecordFiles } from '@/lib/files/service';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { loadConnection } from '@/lib/sync/runtime/connections';
import type { RunRequest, Trigger } from '@/lib/sync/runtime/events';
import { setJobQueue } from '@/lib/jobs/queue';
import { pillarFor } from '@/lib/sync/registry';
import { DROPBOX_UPLOAD_CHUNK_BYTES } from '@/lib/providers/dropbox/client';
import { defaultRegistration } from '@/sandbox/lib/types';
import { DEMO_ACCOUNTS } from '@/sandbox/dropbox/demo-data';
import type { Tenant } from '@/lib/tenant';
import { pipedriveAuthorizationCode } from '../tests/support/sandbox-oauth';
import { configureSandboxApp, createDatabase } from '../tests/support/app-env';
import { crmFiles, uploadCrmFile } from '../tests/support/files';
import { consent } from '@/sandbox/dropbox/test-support';
import { startSandboxProcess } from './bench-sandbox-client';
import { NORTHWIND, fmtInt, fmtSeconds, gcNow, log, machineDescription, mb, parseArgs, printTable, startDatabaseServer, startMemorySampler } from './bench-support';

const args = parseArgs();
const RECORDS = Number(args.records ?? 1000);
const FILES_PER_RECORD = Number(args.files ?? 10);
const LATENCY_MS = Number(args.latency ?? 0);
const BIG = Number(args['big-mb'] ?? 50) * 1024 * 1024;
const SKIP_STREAMING = args['no-streaming'] === 'true';
/** `--direction=up` (CRM → Dropbox only) or `down` (Dropbox → CRM only): one direction per process, clean RSS. */
const DIRECTION = args.direction ?? 'both';
/**
 * `--gc-probe`: during each run, force a GC every 250 ms and record the largest ArrayBuffer total right after
 * it — the bytes actually held (live), as opposed to the peak, which includes garbage not yet collected.
 * It perturbs timing and RSS; use it as a separate diagnostic run.
 */
const GC_PROBE = args['gc-probe'] === 'true';
const OLIVIA = 'olivia.northwind@gmail.com';
const APP_URL = 'http://127.0.0.1:3999';

// ------------------------------------------------------------------ call counting (this process, outgoing)

const calls: Record<string, number> = {};
const realFetch = globalThis.fetch;
globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const side = url.pathname.startsWith('/dropbox/') ? 'dropbox' : 'crm';
  const endpoint = url.pathname.replace(/^\/(dropbox|pipedrive)/, '').replace(/\/\d{3,}(?=\/|$)/g, '/:id');
  const key = `${side} ${method} ${endpoint}`;
  calls[key] = (calls[key] ?? 0) + 1;
  return realFetch(input, init);
}) as typeof fetch;
// Uploads (lib/http/streaming-request.ts, finding F-1) and CRM JSON calls (lib/http/text-request.ts) leave
// through node:http: counted here (a call goes through one of the two, never both).
const realHttpRequest = http.request;
http.request = ((...a: Parameters<typeof http.request>) => {
  const req = realHttpRequest(...a);
  const url = a[0] instanceof URL ? a[0] : new URL(String(a[0]));
  const side = url.pathname.startsWith('/dropbox/') ? 'dropbox' : 'crm';
  const endpoint = url.pathname.replace(/^\/(dropbox|pipedrive)/, '').replace(/\/\d{3,}(?=\/|$)/g, '/:id');
  const key = `${side} ${req.method} ${endpoint}`;
  calls[key] = (calls[key] ?? 0) + 1;
  return req;
}) as typeof http.request;
const snapshot = () => ({ ...calls });
function callsSince(before: Record<string, number>, side: 'dropbox' | 'crm'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(calls)) {
    const d = v - (before[k] ?? 0);
    if (d && k.startsWith(`${side} `)) out[k.slice(side.length + 1)] = d;
  }
  return out;
}
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
const fmtCalls = (c: Record<string, number>) =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}×${v}`)
    .join(', ') || '(none)';

// ------------------------------------------------------------------ the sandbox process

// ------------------------------------------------------------------ running

type Measured = { label: string; ms: number; status: string; counts: unknown; rssBeforeMb: number; peakRssMb: number; arrayBuffersGrowthMb: number; dropbox: Record<string, number>; crm: Record<string, number>; minDropbox: number; minCrm: number; transfers: number; files: number };

async function runFiles(syncId: string, label: string, mins: { dropbox: number; crm: number }, recordFolderIds?: string[], files = 0, trigger: Trigger = 'refresh'): Promise<Measured> {
  const connection = await loadConnection(syncId);
  if (!connection) throw new Error(`no connection ${syncId}`);
  const pillar = pillarFor(connection.kind);
  const data = { ...(await pillar.requestsFor([connection], trigger))[0]!, ...(recordFolderIds ? { recordFolderIds } : {}) } as RunRequest;
  gcNow();
  const rssBefore = process.memoryUsage().rss;
  const before = snapshot();
  const sampler = startMemorySampler(50);
  // Bytes held in Buffers/ArrayBuffers (file chunks live there, outside the V8 heap), sampled alongside.
  const abBefore = process.memoryUsage().arrayBuffers;
  let abPeak = abBefore;
  const abTimer = setInterval(() => (abPeak = Math.max(abPeak, process.memoryUsage().arrayBuffers)), 50);
  let livePeak = 0;
  const gcTimer = GC_PROBE
    ? setInterval(() => {
        gcNow();
        livePeak = Math.max(livePeak, process.memoryUsage().arrayBuffers - abBefore);
      }, 250)
    : null;
  const t0 = performance.now();
  let status: string;
  let counts: unknown;
  try {
    const r = await executeRun(pillar, { run: (_id, fn) => fn() }, data);
    status = r.status;
    counts = (r as { counts?: unknown }).counts;
  } catch (error) {
    await recordRunFailure(data, error);
    status = 'failed';
    counts = String((error as Error).stack ?? error);
  }
  const ms = performance.now() - t0;
  const mem = sampler.stop();
  clearInterval(abTimer);
  if (gcTimer) clearInterval(gcTimer);
  abPeak = Math.max(abPeak, process.memoryUsage().arrayBuffers);
  const dropbox = callsSince(before, 'dropbox');
  const crm = callsSince(before, 'crm');
  // Transfers: files written to the other side — Dropbox uploads (one call, or a session's finish) and CRM
  // uploads. Downloads are not counted separately (every transfer reads once; hash checks read too).
  const isTransfer = (k: string) => /^POST \/content\/2\/files\/(upload|upload_session\/finish)$/.test(k) || /^POST .*\/api\/v1\/files$/.test(k);
  const transfers = [...Object.entries(dropbox), ...Object.entries(crm)].reduce((n, [k, v]) => (isTransfer(k) ? n + v : n), 0);
  const m: Measured = { label, ms, status, counts, rssBeforeMb: mb(rssBefore), peakRssMb: mem.peakRssMb, arrayBuffersGrowthMb: mb(abPeak - abBefore), dropbox, crm, minDropbox: mins.dropbox, minCrm: mins.crm, transfers, files };
  log(`${label}: ${status} in ${fmtSeconds(ms)}; RSS ${m.rssBeforeMb} → peak ${m.peakRssMb} MB (+${(m.peakRssMb - m.rssBeforeMb).toFixed(1)} MB); ArrayBuffers peak +${m.arrayBuffersGrowthMb} MB${GC_PROBE ? `; live ArrayBuffers after forced GCs, max +${mb(livePeak)} MB` : ''}`);
  log(`  Dropbox ${total(dropbox)} (min ${mins.dropbox}): ${fmtCalls(dropbox)}`);
  log(`  CRM ${total(crm)} (min ${mins.crm}): ${fmtCalls(crm)}`);
  if (status !== 'succeeded') throw new Error(`${label}: run ${status}: ${typeof counts === 'string' ? counts : JSON.stringify(counts)}`);
  return m;
}

/** Runs `fn` over items with at most `n` in flight (seeding only). */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function main() {
  log(`machine: ${machineDescription()}`);
  const load = (await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ');
  log(`load average at start: ${load}`);
  const server = await startDatabaseServer();
  log(`database: ${server.description}`);
  const child = await startSandboxProcess({ APP_URL });
  log(`sandbox (child process ${child.proc.pid}): ${child.url}`);
  const db = server.adminUrl ? await createDatabase(server.adminUrl, 'bench') : null;
  const { dataDir } = await configureSandboxApp({ appUrl: APP_URL, sandboxUrl: child.url, databaseUrl: db?.url ?? null, dataDirPrefix: 'synclane-bench-' });
  setJobQueue({ request: async () => undefined, cancel: async () => undefined, cancelUser: async () => undefined });
  const results: Measured[] = [];
  try {
    // The consent helpers need the sandbox's URL, the app registration and the demo Dropbox accounts only.
    const remote = {
      url: child.url,
      ctx: { app: defaultRegistration(APP_URL) },
      dropbox: { account: (email: string) => DEMO_ACCOUNTS.find((a) => a.email === email)! },
    } as never;
    const installed = await completePipedriveInstall(await pipedriveAuthorizationCode(remote, NORTHWIND.admin));
    const tenant: Tenant = (await findInstalledUser(installed.crm, installed.companyId, installed.userExternalId))!;
    const { url } = await startDropboxLink(tenant);
    const { location } = await consent(remote, url, OLIVIA);
    const { connectionId: syncId } = await completeDropboxLink({ state: location.searchParams.get('state'), code: location.searchParams.get('code') });
    const files = crmFiles(tenant);

    // ---------------------------------------------------------------- 1. streaming
    if (!SKIP_STREAMING) {
      const { firstId } = (await child.send({ cmd: 'persons', n: 1 })) as { firstId: number };
      const recordId = String(firstId);
      const chunk = new Uint8Array(1024 * 1024).fill(7);
      if (DIRECTION !== 'down')
        await files.uploadFile({
        module: 'person',
        recordId,
        name: 'big-from-crm.bin',
        size: BIG,
        content: () =>
          new ReadableStream<Uint8Array>({
            sent: 0,
            pull(c) {
              const self = this as unknown as { sent: number };
              if (self.sent >= BIG) return c.close();
              const n = Math.min(chunk.length, BIG - self.sent);
              self.sent += n;
              c.enqueue(chunk.subarray(0, n));
            },
          } as UnderlyingDefaultSource<Uint8Array> & { sent: number }),
      });
      const { recordFolderId } = await syncRecordFiles(tenant, { module: 'person', recordId });
      await child.send({ cmd: 'latency', ms: LATENCY_MS });
      const chunks = Math.ceil(BIG / DROPBOX_UPLOAD_CHUNK_BYTES);
      // Minimum: CRM 1 list + 1 download; Dropbox 1 create_folder + the upload (files/upload takes up to 150 MB
      // in one call, so the API minimum is 1; we send 8 MiB chunks: start + appends + finish = `chunks` calls).
      // With --direction=down this run only creates the record folder (no CRM file) and is not reported.
      const up = await runFiles(syncId, DIRECTION === 'down' ? 'setup: record folder (not reported)' : `${BIG / 1024 / 1024} MiB CRM → Dropbox (1 record; ${chunks} chunk(s) of 8 MiB)`, { dropbox: 2, crm: 2 }, [recordFolderId], 1);
      if (DIRECTION !== 'down') results.push(up);
      await child.send({ cmd: 'latency', ms: 0 });
      const [folder] = await (await getDb()).select().from(recordFolders).where(eq(recordFolders.id, recordFolderId));
      await child.send({ cmd: 'dropbox-write', email: OLIVIA, path: `${folder!.pathDisplay}/big-from-dropbox.bin`, size: BIG });
      await child.send({ cmd: 'latency', ms: LATENCY_MS });
      // Minimum: Dropbox 1 list_folder/continue (the change) + 1 download; CRM 1 list + 1 upload.
      if (DIRECTION !== 'up') results.push(await runFiles(syncId, `${BIG / 1024 / 1024} MiB Dropbox → CRM (1 record)`, { dropbox: 2, crm: 2 }, [recordFolderId], 1));
      await child.send({ cmd: 'latency', ms: 0 });
      // Leave the big files out of the tree runs below: stop syncing this record (files stay, F7).
      await (await getDb()).delete(recordFolders).where(eq(recordFolders.id, recordFolderId));
    }

    // ---------------------------------------------------------------- 2 + 3. N records × F files
    if (RECORDS > 0) {
      const t0 = performance.now();
      const { firstId, lastId } = (await child.send({ cmd: 'persons', n: RECORDS })) as { firstId: number; lastId: number };
      const ids = Array.from({ length: lastId - firstId + 1 }, (_, i) => String(firstId + i));
      const uploads = ids.flatMap((id) => Array.from({ length: FILES_PER_RECORD }, (_, i) => ({ id, i })));
      await pool(uploads, 8, ({ id, i }) => uploadCrmFile(tenant, 'person', id, `doc-${i}.txt`, `record ${id} document ${i} `.repeat(20)));
      // The tree runs cover every record folder of the connection (a run request names at most 500).
      await pool(ids, 8, (id) => syncRecordFiles(tenant, { module: 'person', recordId: id }));
      log(`seeded ${fmtInt(ids.length)} persons × ${FILES_PER_RECORD} files (~${(`record 0 document 0 `.length * 20)} B each) and chose them for sync in ${fmtSeconds(performance.now() - t0)}`);
      await child.send({ cmd: 'latency', ms: LATENCY_MS });
      const n = ids.length;
      const f = n * FILES_PER_RECORD;
      const listPages = Math.ceil(FILES_PER_RECORD / 100);
      // Minimum, first sync: Dropbox 1 create_folder per record + 1 upload per file; CRM 1 list per record
      // (100 files a page) + 1 download per file.
      const first = await runFiles(syncId, `first sync, ${fmtInt(n)} records × ${FILES_PER_RECORD} files`, { dropbox: n + f, crm: n * listPages + f }, undefined, f);
      results.push(first);
      // Minimum, unchanged: CRMs send no file events, so 1 list per record; Dropbox 1 list_folder/continue per
      // record cursor (one cursor per record folder — an app-folder-wide cursor would make it 1 per run).
      // Hourly runs take the unchanged-record shortcut (lib/sync/files/quiet.ts); a Refresh (and an hourly run
      // once a folder's last complete pass is 6 h old) also reads the record, looks the folder up by id and lists it.
      for (const [trigger, what] of [['hourly', 'hourly run'], ['refresh', 'Refresh (complete pass)']] as const) {
        const again = await runFiles(syncId, `unchanged ${what}, ${fmtInt(n)} records × ${FILES_PER_RECORD} files`, { dropbox: n, crm: n * listPages }, undefined, f, trigger);
        if (again.transfers !== 0) log(`  WARNING: the unchanged run transferred ${again.transfers} files`);
        results.push(again);
      }
    }
    const childRss = (await child.send({ cmd: 'rss' })) as { rss: number };
    log(`sandbox process RSS at the end: ${mb(childRss.rss)} MB (holds every stored byte)`);
  } finally {
    await closeDb();
    await child.close();
    if (server.adminUrl && db) {
      const c = new pg.Client({ connectionString: server.adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${db.name} with (force)`);
      await c.end();
    }
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  console.log(`\n## Files (Pipedrive ↔ Dropbox)\n`);
  console.log(`Machine: ${machineDescription()}; load average at start ${load}`);
  console.log(`Latency: ${LATENCY_MS ? `${LATENCY_MS} ms per vendor call` : 'none (CPU figures)'}; sandbox in a child process\n`);
  printTable(
    ['Run', 'Status', 'Wall time', 'Files/s', 'Transfers', 'RSS growth (peak − before)', 'ArrayBuffers growth (peak)', 'Dropbox calls (min) ÷ min', 'CRM calls (min) ÷ min', 'Dropbox by endpoint', 'CRM by endpoint'],
    results.map((r) => [
      r.label,
      r.status,
      fmtSeconds(r.ms),
      r.files && r.transfers ? (r.files / (r.ms / 1000)).toFixed(1) : '—',
      fmtInt(r.transfers),
      `${r.rssBeforeMb} → ${r.peakRssMb} MB (+${(r.peakRssMb - r.rssBeforeMb).toFixed(1)})`,
      `+${r.arrayBuffersGrowthMb} MB`,
      `${fmtInt(total(r.dropbox))} (${fmtInt(r.minDropbox)}) ${(total(r.dropbox) / r.minDropbox).toFixed(2)}`,
      `${fmtInt(total(r.crm))} (${fmtInt(r.minCrm)}) ${(total(r.crm) / r.minCrm).toFixed(2)}`,
      fmtCalls(r.dropbox),
      fmtCalls(r.crm),
    ]),
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
