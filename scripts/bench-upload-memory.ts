/**
 * `node --import tsx --expose-gc scripts/bench-upload-memory.ts` — isolates finding F-1 of docs/BENCHMARKS.md
 * ("Files"): how many bytes the app process holds while it streams a 50 MiB request body, with the built-in
 * fetch (what lib/crm/streams.ts `fetchStreaming` uses, `duplex: 'half'`) versus node:http fed by
 * `Readable.fromWeb(...).pipe(req)`. No app code: a pull-based ReadableStream of 64 KiB pieces, sent to a
 * receiver in a child process that reads everything. "Held" = the largest ArrayBuffer total right after a
 * forced GC (every 100 ms), so garbage not yet collected does not count.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { Readable } from 'node:stream';

const SIZE = 50 * 1024 * 1024;
const RECEIVER = `
const http = require('node:http');
const srv = http.createServer((req, res) => { let n = 0; req.on('data', (d) => (n += d.length)); req.on('end', () => res.end(String(n))); });
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));`;

function source(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= SIZE) return c.close();
      const n = Math.min(65_536, SIZE - sent);
      sent += n;
      c.enqueue(new Uint8Array(n));
    },
  });
}

async function held(fn: () => Promise<void>): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  const base = process.memoryUsage().arrayBuffers;
  let max = 0;
  const timer = setInterval(() => {
    gc();
    max = Math.max(max, process.memoryUsage().arrayBuffers - base);
  }, 100);
  const t0 = performance.now();
  await fn();
  clearInterval(timer);
  console.log(`  ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return max;
}

const child = spawn(process.execPath, ['-e', RECEIVER]);
const port = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
const url = `http://127.0.0.1:${port}/`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
try {
  const viaFetch = await held(async () => {
    const res = await fetch(url, { method: 'POST', body: source(), duplex: 'half', headers: { 'content-length': String(SIZE) } } as RequestInit);
    if ((await res.text()) !== String(SIZE)) throw new Error('receiver got a different length');
  });
  console.log(`fetch (Node ${process.version}, undici ${process.versions.undici}), streamed 50 MiB body: held up to ${mb(viaFetch)}`);
  const viaHttp = await held(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', headers: { 'content-length': String(SIZE) } }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        Readable.fromWeb(source() as never).pipe(req);
      }),
  );
  console.log(`node:http + Readable.fromWeb().pipe(), same body: held up to ${mb(viaHttp)}`);
  // How the Dropbox SDK sends an upload session: one 8 MiB Buffer body per call, calls one after another.
  const chunk = 8 * 1024 * 1024;
  const viaBuffers = await held(async () => {
    for (let sent = 0; sent < SIZE; sent += chunk) {
      const res = await fetch(url, { method: 'POST', body: Buffer.alloc(Math.min(chunk, SIZE - sent)) });
      await res.text();
    }
  });
  console.log(`fetch, 50 MiB as sequential 8 MiB Buffer bodies (the Dropbox SDK's upload session): held up to ${mb(viaBuffers)}`);
} finally {
  child.kill();
}
