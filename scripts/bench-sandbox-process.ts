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
 */
import { createInterface } from 'node:readline';
import { startSandbox } from '../sandbox/server';

const NORTHWIND = { companyId: 7401001, admin: 13001 };
const appUrl = process.env.APP_URL ?? 'http://127.0.0.1:3999';
const sandbox = await startSandbox({ port: 0, appUrl, quiet: true });
sandbox.pipedrive.config({ burstLimit: 1_000_000_000, dailyTokenBudget: 1_000_000_000 });
console.log(`READY ${sandbox.url}`);

type Command = { cmd: string; ms?: number; n?: number; email?: string; path?: string; size?: number };

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let reply: unknown;
  try {
    const c = JSON.parse(line) as Command;
    if (c.cmd === 'latency') reply = sandbox.latency({ latencyMs: c.ms ?? 0 });
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
