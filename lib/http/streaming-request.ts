/**
 * Sends one HTTP request whose body is large (a file, or a chunk of one) through `node:http`/`node:https`
 * instead of the built-in fetch, and answers with a standard `Response`.
 *
 * Why: Node's fetch (undici 7, Node 24) keeps a streamed request body reachable until the request is done —
 * a 50 MB upload held ~50 MB, and the Dropbox SDK's sequential 8 MiB chunk bodies held ~40 MB
 * (docs/BENCHMARKS.md, finding F-1; scripts/bench-upload-memory.ts reproduces it without app code).
 * `node:http` writes with backpressure: the source is read only as fast as the socket drains, and a written
 * piece is garbage as soon as the kernel has it.
 *
 * Semantics follow fetch where callers depend on them: network failures reject with
 * `TypeError('fetch failed', { cause })` (so does a failing body source), an abort rejects with the signal's reason, the response body is
 * a web stream read with backpressure, and no status makes it throw.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export type StreamingRequestInit = {
  method?: string;
  headers?: HeadersInit;
  body?: ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | string | null;
  signal?: AbortSignal | null;
};

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** True when `fetch`'s request body would be a large binary body worth sending with backpressure. */
export function isBinaryBody(body: unknown): body is ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer {
  return body instanceof ReadableStream || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

export function streamingRequest(input: string | URL, init: StreamingRequestInit = {}): Promise<Response> {
  const url = new URL(input);
  // Looked up on the module object at call time (not destructured), so measuring tools can wrap it.
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!transport) return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));

  const headers: Record<string, string> = {};
  new Headers(init.headers ?? undefined).forEach((value, name) => (headers[name] = value));
  const body = init.body ?? null;
  const bytes = typeof body === 'string' ? Buffer.from(body) : body instanceof ArrayBuffer ? new Uint8Array(body) : body instanceof Uint8Array ? body : null;
  if (bytes && headers['content-length'] === undefined) headers['content-length'] = String(bytes.byteLength);

  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? null;
    let settled = false;
    let source: Readable | null = null;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      source?.destroy();
      reject(error);
    };
    const onAbort = () => {
      const reason = signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
      req.destroy(reason instanceof Error ? reason : new Error(String(reason)));
      fail(reason);
    };

    const req = transport.request(url, { method: (init.method ?? 'GET').toUpperCase(), headers });
    req.on('error', (error) => fail(new TypeError('fetch failed', { cause: error })));
    req.on('response', (res) => {
      if (settled) return void res.destroy();
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // An early answer (e.g. 401 before the body was read): stop reading the source, the body is moot.
      if (!req.writableFinished) source?.unpipe(req);
      source?.destroy();
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      const status = res.statusCode ?? 502;
      const noBody = NULL_BODY_STATUSES.has(status) || (init.method ?? 'GET').toUpperCase() === 'HEAD';
      if (noBody) res.resume();
      resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
    });

    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    if (body instanceof ReadableStream) {
      source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>, { highWaterMark: 1 });
      // A source that fails (e.g. shorter than its declared length) must fail the request, not hang it.
      source.on('error', (error) => {
        req.destroy(error);
        fail(new TypeError('fetch failed', { cause: error }));
      });
      source.pipe(req);
    } else {
      req.end(bytes ?? undefined);
    }
  });
}
