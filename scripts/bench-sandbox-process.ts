/**
 * The sandbox in its own process, for benchmarks that measure the app's memory (`npm run bench:files`):
 * the emulators keep every stored byte in memory, so running them in the benchmark's process would hide
 * the app's own RSS growth behind the emulator's. In-memory only (no data dir), emulator limits raised.
 *
 * Prints `READY <url>` on stdout, then answers one JSON command per stdin line with one JSON line:
 *   {"cmd":"latency","ms":100}                            → per-call latency from now on
 *   {"cmd":"persons","n":1000}                            → generates N Pipedrive persons → {firstId,lastId}
 *   {"cmd":"dropbox-write","email":…,"path":…,"size":…}  → writes a file "from another device"
 *   {"cmd":"rss"}                                         → this process's RSS in bytes
 *   {"cmd":"call","target":"google","method":"groups","args":[…]} → an emulator method's (JSON) result
 *   {"cmd":"import-scope","provider":…,"email":…,"n":…}   → generates the import benchmark's contacts
 *   {"cmd":"live-persons","companyId":…}                  → live Pipedrive persons of the company
 *   {"cmd":"live-persons","accountId":…}                  → Teamleader contacts of the account
 *   {"cmd":"crm-allowance","crm":…,"realLimits":…}        → the CRM's allowed requests per second and its window
 *   {"cmd":"raise-limits"} / {"cmd":"real-limits"}        → raises / describes the emulators' limits
 *   {"cmd":"pipedrive-allowed","realLimits":…,"companyId":…} → Pipedrive's allowed requests per second
 *
 * `BENCH_SANDBOX_LIMITS=as-started` keeps the emulators' limits as started (the caller raises them or
 * not); by default the Pipedrive limits are raised at start (`npm run bench:files`).
 */
import { createInterface } from 'node:readline';
import { startSandbox } from '../sandbox/server';
import { generateImportScope, livePersonCount, teamleaderContactCount } from './bench-import-world';
import { crmAllowance, pipedriveAllowedPerSecond, raiseEmulatorLimits, realLimitsInForce } from './bench-emulator-limits';

const NORTHWIND = { companyId: 7401001, admin: 13001 };
const appUrl = process.env.APP_URL ?? 'http://127.0.0.1:3999';
const sandbox = await startSandbox({ port: 0, appUrl, quiet: true });
if (process.env.BENCH_SANDBOX_LIMITS !== 'as-started') sandbox.pipedrive.config({ burstLimit: 1_000_000_000, dailyTokenBudget: 1_000_000_000 });
console.log(`READY ${sandbox.url}`);

type Command = { cmd: string; ms?: number; jitterMs?: number; n?: number; email?: string; path?: string; size?: number; target?: string; method?: string; args?: unknown[]; provider?: 'google' | 'microsoft'; companyId?: number; accountId?: string; crm?: 'pipedrive' | 'teamleader'; realLimits?: boolean };

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let reply: unknown;
  try {
    const c = JSON.parse(line) as Command;
    if (c.cmd === 'latency') reply = sandbox.latency({ latencyMs: c.ms ?? 0, ...(c.jitterMs !== undefined ? { jitterMs: c.jitterMs } : {}) });
    else if (c.cmd === 'call') {
      const target = (sandbox as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[c.target!];
      if (!target || typeof target[c.method!] !== 'function') throw new Error(`no sandbox method ${c.target}.${c.method}`);
      reply = target[c.method!]!(...(c.args ?? []));
    } else if (c.cmd === 'import-scope') reply = generateImportScope(sandbox, c.provider!, c.email!, c.n ?? 0);
    else if (c.cmd === 'live-persons') reply = c.accountId ? teamleaderContactCount(sandbox, c.accountId) : livePersonCount(sandbox, c.companyId!);
    else if (c.cmd === 'raise-limits') reply = raiseEmulatorLimits(sandbox);
    else if (c.cmd === 'real-limits') reply = realLimitsInForce(sandbox);
    else if (c.cmd === 'pipedrive-allowed') reply = pipedriveAllowedPerSecond(sandbox, { realLimits: !!c.realLimits }, c.companyId);
    else if (c.cmd === 'crm-allowance') reply = crmAllowance(sandbox, c.crm ?? 'pipedrive', { realLimits: !!c.realLimits }, c.companyId);
    else if (c.cmd === 'persons') reply = sandbox.pipedrive.generatePersons(NORTHWIND.companyId, NORTHWIND.admin, c.n ?? 0);
    else if (c.cmd === 'dropbox-write') {
      const bytes = Buffer.alloc(c.size ?? 0);
      for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) & 0xff; // not all zeros
      reply = sandbox.dropbox.writeFile(c.email!, c.path!, bytes, 'add');
    } else if (c.cmd === 'rss') reply = { rss: process.memoryUsage().rss };
    else throw new Error(`unknown command ${c.cmd}`);
    console.log(JSON.stringify({ ok: true, reply }));
  } catch (error) {
    console.log(JSON.stringify({ ok: false, error: (error as Error).message }));
  }
});
lines.on('close', async () => {
  await sandbox.close();
  process.exit(0);
});
