/**
 * Streaming helpers for CRM file transfers: files are never held whole in the app's memory (F6 allows
 * 50 MB per file, and several transfers may run at once). Multipart bodies are assembled on the fly
 * around the source stream, with an exact Content-Length so the CRM does not see a chunked upload.
 */
import { streamingRequest } from '@/lib/http/streaming-request';
import { HttpError, type ApiCallCounter } from './http';

const encoder = new TextEncoder();

/** A stream source that can be opened again for a retried request (plain streams can be read once). */
export type StreamSource = ReadableStream<Uint8Array> | (() => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>);

/** Opens the source; a plain stream can be opened once, a second attempt is a clear error instead of an empty upload. */
export function streamOpener(source: StreamSource): () => Promise<ReadableStream<Uint8Array>> {
  let used = false;
  return async () => {
    if (typeof source === 'function') return source();
    if (used) throw new Error('The upload stream was already consumed; pass a factory to allow retries');
    used = true;
    return source;
  };
}

/** Passes bytes through and fails the stream when it yields more or fewer than `size` bytes. */
export function exactLength(stream: ReadableStream<Uint8Array>, size: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > size) controller.error(new Error(`Upload stream is longer than the declared ${size} bytes`));
        else controller.enqueue(chunk);
      },
      flush(controller) {
        if (seen !== size) controller.error(new Error(`Upload stream ended after ${seen} of ${size} bytes`));
      },
    }),
  );
}

/** How browsers write a name into Content-Disposition: `"` → %22, CR/LF → %0D/%0A, UTF-8 kept. */
const dispositionName = (name: string) => name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/**
 * multipart/form-data with text fields and one streamed file part. Only the few hundred bytes of part
 * headers are built in memory; the file bytes flow straight from `file.stream`.
 */
export function multipartBody(
  fields: Record<string, string>,
  file: { field: string; name: string; contentType: string; size: number; stream: ReadableStream<Uint8Array> },
): { body: ReadableStream<Uint8Array>; contentType: string; length: number } {
  const boundary = `----synclane${crypto.randomUUID().replace(/-/g, '')}`;
  const head = encoder.encode(
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${dispositionName(k)}"\r\n\r\n${v}\r\n`)
      .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="${dispositionName(file.field)}"; filename="${dispositionName(file.name)}"\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const reader = exactLength(file.stream, file.size).getReader();
  let phase: 'head' | 'file' | 'done' = 'head';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (phase === 'head') {
        phase = 'file';
        controller.enqueue(head);
        return;
      }
      if (phase === 'file') {
        const { done, value } = await reader.read();
        if (!done) {
          controller.enqueue(value);
          return;
        }
        phase = 'done';
        controller.enqueue(tail);
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}`, length: head.byteLength + file.size + tail.byteLength };
}

/**
 * fetch for streamed bodies (uploads are sent with backpressure through node:http): the timeout covers the wait for response headers only (a 50 MB body may
 * legitimately take longer); a non-2xx answer becomes an HttpError carrying the parsed error body.
 */
export async function fetchStreaming(
  url: string,
  init: RequestInit & { headersTimeoutMs?: number; counter?: ApiCallCounter },
): Promise<Response> {
  const { headersTimeoutMs = 60_000, counter, ...rest } = init;
  if (counter) counter.count++;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`No response from ${new URL(url).host} within ${headersTimeoutMs} ms`)), headersTimeoutMs);
  let response: Response;
  try {
    // Streamed bodies go through node:http: fetch keeps them in memory until the request ends (F-1).
    response =
      rest.body instanceof ReadableStream
        ? await streamingRequest(url, { method: rest.method, headers: rest.headers, body: rest.body, signal: controller.signal })
        : await fetch(url, { ...rest, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : text;
    } catch {
      body = text;
    }
    throw new HttpError(response.status, body, response.headers, `${rest.method ?? 'GET'} ${new URL(url).pathname} → ${response.status}`);
  }
  return response;
}

export function contentLength(response: Response): number | null {
  const value = Number(response.headers.get('content-length'));
  return Number.isFinite(value) && value >= 0 && response.headers.has('content-length') ? value : null;
}
