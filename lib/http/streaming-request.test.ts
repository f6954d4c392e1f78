import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSyncError } from '@/lib/errors';
import { streamingRequest } from './streaming-request';

let server: http.Server;
let base = '';
/** What the server last received: method, headers and the byte count and sum, so bytes are checked, not just lengths. */
let last: { method: string; headers: http.IncomingHttpHeaders; bytes: number; sum: number } | null = null;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/early') {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end('{"error":"no"}');
    }
    if (req.url === '/drop') return void req.socket.destroy();
    let bytes = 0;
    let sum = 0;
    req.on('data', (d: Buffer) => {
      bytes += d.length;
      for (const b of d) sum = (sum + b) % 65_521;
    });
    req.on('end', () => {
      last = { method: req.method!, headers: req.headers, bytes, sum };
      if (req.url === '/empty') return void res.writeHead(204).end();
      res.writeHead(req.url === '/conflict' ? 409 : 200, { 'content-type': 'application/json', 'x-two': 'a' });
      res.end(JSON.stringify({ bytes }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

function pieces(count: number, size: number, failAt?: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent === failAt) return c.error(new Error('source broke'));
      if (sent >= count) return c.close();
      c.enqueue(new Uint8Array(size).fill(sent++ % 251));
    },
  });
}

describe('streamingRequest (F6 streaming: uploads sent through node:http with backpressure)', () => {
  it('sends a streamed body byte for byte with the declared length and answers a standard Response', async () => {
    const response = await streamingRequest(`${base}/up`, { method: 'POST', headers: { 'content-length': String(100 * 65_536), 'x-arg': '{"p":"\\u00e9"}' }, body: pieces(100, 65_536) });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-two')).toBe('a');
    expect(await response.json()).toEqual({ bytes: 100 * 65_536 });
    let sum = 0;
    for (let i = 0; i < 100; i++) sum = (sum + (i % 251) * 65_536) % 65_521;
    expect(last).toMatchObject({ method: 'POST', bytes: 100 * 65_536, sum });
    expect(last!.headers['content-length']).toBe(String(100 * 65_536));
    expect(last!.headers['transfer-encoding']).toBeUndefined();
    expect(last!.headers['x-arg']).toBe('{"p":"\\u00e9"}');
  });

  it('sends Buffer bodies with their Content-Length (the Dropbox SDK upload chunks)', async () => {
    const response = await streamingRequest(`${base}/chunk`, { method: 'POST', body: Buffer.alloc(3_000, 1) });
    expect(await response.json()).toEqual({ bytes: 3_000 });
    expect(last).toMatchObject({ bytes: 3_000, sum: 3_000 });
    expect(last!.headers['content-length']).toBe('3000');
  });

  it('passes error statuses through as responses and handles bodiless answers', async () => {
    const conflict = await streamingRequest(`${base}/conflict`, { method: 'POST', body: Buffer.from('x') });
    expect(conflict.ok).toBe(false);
    expect(conflict.status).toBe(409);
    const empty = await streamingRequest(`${base}/empty`, { method: 'POST', body: Buffer.from('x') });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('an answer before the body was read ends the upload without hanging', async () => {
    const response = await streamingRequest(`${base}/early`, { method: 'POST', headers: { 'content-length': String(2_000 * 65_536) }, body: pieces(2_000, 65_536) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'no' });
  });

  it('network failures and failing sources reject like fetch (TypeError "fetch failed" → temporary)', async () => {
    const dropped = await streamingRequest(`${base}/drop`, { method: 'POST', body: Buffer.alloc(10) }).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(TypeError);
    expect(toSyncError(dropped).code).toBe('temporary');
    const broken = await streamingRequest(`${base}/up`, { method: 'POST', body: pieces(10, 1_024, 3) }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(TypeError);
    expect(String((broken as TypeError).cause)).toContain('source broke');
  });

  it('an abort signal rejects with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('No response within 1 ms'));
    await expect(streamingRequest(`${base}/up`, { method: 'POST', body: pieces(1, 10), signal: controller.signal })).rejects.toThrow('No response within 1 ms');
  });
});
