/**
 * Sends one request with a small in-memory body (a JSON API call) through `node:http`/`node:https` and reads
 * the whole answer as text.
 *
 * Why not fetch: for small JSON calls Node's fetch (undici: web streams for both bodies, Request/Response and
 * Headers objects, an extra socket write for the body) costs ~0.28 ms of CPU per call on our machines against
 * ~0.08 ms here, and a first import makes one CRM call per contact (docs/BENCHMARKS.md).
 *
 * Semantics follow fetch where callers depend on them: a network failure rejects with
 * `TypeError('fetch failed', { cause })`, the timeout (over the whole exchange, like `AbortSignal.timeout`)
 * with a `TimeoutError` DOMException, compressed answers (gzip, deflate, br) are decoded, and no status makes
 * it throw. Redirects are not followed: the JSON APIs called this way answer directly. Connections are the
 * global agents' (keep-alive; an idle socket is closed after 5 s, or before the server's own Keep-Alive hint;
 * an answer slower than that on a reused socket is still waited for, up to `timeoutMs`).
 */
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';

export type TextRequestInit = { method?: string; headers?: Record<string, string>; body?: string | null; timeoutMs: number };
export type TextResponse = { status: number; headers: Headers; text: string };

function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(zlib.createGunzip());
  if (encoding === 'deflate') return res.pipe(zlib.createInflate());
  if (encoding === 'br') return res.pipe(zlib.createBrotliDecompress());
  return res;
}

export function textRequest(input: string | URL, init: TextRequestInit): Promise<TextResponse> {
  const url = new URL(input);
  // Looked up on the module object at call time (not destructured), so measuring tools can wrap it.
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!transport) return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
  const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...init.headers };
  const body = init.body ?? null;
  if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));

  return new Promise<TextResponse>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = transport.request(url, { method: (init.method ?? 'GET').toUpperCase(), headers });
    const timer = setTimeout(() => {
      const error = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      req.destroy(error);
      settle(() => reject(error));
    }, init.timeoutMs);
    const failed = (error: unknown) => settle(() => reject(new TypeError('fetch failed', { cause: error })));
    req.on('error', failed);
    req.on('response', (res) => {
      res.on('error', failed);
      const stream = decoded(res);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', failed);
      stream.on('end', () =>
        settle(() => {
          const responseHeaders = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          resolve({ status: res.statusCode ?? 502, headers: responseHeaders, text: Buffer.concat(chunks).toString('utf8') });
        }),
      );
    });
    req.end(body ?? undefined);
  });
}
