/**
 * E2E: the built app (`next start`) and the sandbox on free loopback ports, a fresh database, and Debian
 * Chromium through playwright-core (no browser download; the binary from CHROMIUM_PATH or the usual places).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { Client } from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { startSandbox, type Sandbox } from '@/sandbox/server';
import { requireChromium } from '@/tests/support/system-deps';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `databaseUrl` is the app's own database when a Postgres server is available (tests may adjust rows, e.g. a due time). */
export type Stack = { appUrl: string; sandbox: Sandbox; browser: Browser; logs: string[]; databaseUrl?: string; close(): Promise<void> };

export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const appPort = await freePort();
  const appUrl = `http://localhost:${appPort}`;
  const sandbox = await startSandbox({ port: 0, appUrl });
  const admin = inject('postgresUrl');
  let databaseUrl: string | undefined;
  let dbName: string | null = null;
  if (admin) {
    dbName = `e2e_${randomBytes(5).toString('hex')}`;
    const c = new Client({ connectionString: admin });
    await c.connect();
    await c.query(`create database ${dbName}`);
    await c.end();
    databaseUrl = admin.replace(/\/[^/]*$/, `/${dbName}`);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'synclane-e2e-'));
  const logs: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [path.resolve('node_modules/next/dist/bin/next'), 'start', '-p', String(appPort), '-H', '127.0.0.1'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      SYNCLANE_ENV: 'sandbox',
      NEXT_TELEMETRY_DISABLED: '1',
      APP_URL: appUrl,
      SANDBOX_URL: sandbox.url,
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      AUTH_SECRET: randomBytes(33).toString('base64'),
      HOURLY_SYNC: 'false',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => logs.push(String(d)));
  child.stderr!.on('data', (d) => logs.push(String(d)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${appUrl}/`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`app did not start:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const browser = await chromium.launch({ executablePath: requireChromium(), args: CHROMIUM_ARGS, headless: true });
  return {
    appUrl,
    sandbox,
    browser,
    logs,
    databaseUrl,
    async close() {
      await browser.close().catch(() => undefined);
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      await sandbox.close();
      if (admin && dbName) {
        const c = new Client({ connectionString: admin });
        await c.connect();
        await c.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
        await c.end();
      }
    },
  };
}
