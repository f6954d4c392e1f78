/**
 * S4 (docs/SECURITY.md): Inngest registration cannot be redirected. An unsigned `PUT /api/inngest` with a
 * spoofed Host re-registers the app — at APP_URL, never at the host the request names. A local HTTP server
 * stands in for the Inngest API and records the registration the real SDK sends.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { setEnvForTests } from '@/lib/env';

const APP_URL = 'https://app.synclane.example';
let server: Server;
const registrations: { url: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url?.startsWith('/fn/register')) registrations.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, modified: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const signingKey = `signkey-test-${randomBytes(16).toString('hex')}`;
  process.env.INNGEST_SIGNING_KEY = signingKey;
  process.env.INNGEST_BASE_URL = baseUrl;
  delete process.env.INNGEST_DEV;
  setEnvForTests({
    SYNCLANE_ENV: 'sandbox',
    APP_URL,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'synclane-inngest-')),
    JOBS_MODE: 'inngest',
    INNGEST_SIGNING_KEY: signingKey,
    INNGEST_BASE_URL: baseUrl,
    HOURLY_SYNC: 'false',
  });
});
afterAll(async () => {
  delete process.env.INNGEST_SIGNING_KEY;
  delete process.env.INNGEST_BASE_URL;
  await new Promise((r) => server?.close(r));
});

describe('S4 Inngest registration', () => {
  it('S4: an unsigned PUT with a spoofed Host registers APP_URL/api/inngest, not the spoofed host', async () => {
    const { PUT } = await import('@/app/api/inngest/route');
    const res = await PUT(
      new NextRequest('http://evil.example/api/inngest', { method: 'PUT', headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } }),
      undefined as never,
    );
    expect(res.status).toBeLessThan(500);
    expect(registrations.length).toBeGreaterThan(0);
    for (const r of registrations) {
      expect(r.url).toBe(`${APP_URL}/api/inngest`);
      expect(r.url).not.toContain('evil.example');
    }
  });
});
