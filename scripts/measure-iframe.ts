/**
 * Iframe budget (Performance): how heavy and how fast the Pipedrive settings iframe is on a production build.
 *
 *   npm run measure:iframe                 # uses the existing .next build (builds when there is none)
 *   npm run measure:iframe -- --build      # `next build` first
 *   npm run measure:iframe -- --runs=10    # page loads to time (default 5, after one warm-up)
 *   npm run measure:iframe -- --size-only  # only the first-load JS from the build
 *
 * 1. First-load JS: the JavaScript the browser must fetch before the settings page can run — the page's
 *    initial chunks as the build lists them (root main files, polyfills, the route's client-reference chunks
 *    for its layouts and page), gzip-compressed one by one (level 9) and summed. Chunks loaded later with
 *    `import()` (the Pipedrive SDK, other languages) are listed apart.
 * 2. Time to content: `next start` with the sandbox, Chromium (playwright-core, the binary the test command
 *    finds); Synclane is installed from the emulated Pipedrive Marketplace and the app-settings page (which
 *    hosts our iframe) is loaded `runs` times. For each load: from the iframe's navigation start to the
 *    settings content (`[data-testid=settings]`) being on screen, and to the iframe's load event.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { startSandbox } from '@/sandbox/server';
import { freePort, hasPostgresBinaries, startThrowawayPostgres } from '../tests/support/postgres-server';
import { requireChromium } from '../tests/support/system-deps';

const ROUTE = '/embedded/pipedrive/settings';
const BUDGET_KB = 150;
const CONTENT_BUDGET_MS = 1000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    return m ? [m[1]!, m[2] ?? 'true'] : [a, 'true'];
  }),
) as Record<string, string>;
const runs = Number(args.runs ?? 5);
const nextBin = path.resolve('node_modules/next/dist/bin/next');
const distDir = path.resolve('.next');

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

function build(): void {
  console.log('== next build');
  const r = spawnSync(process.execPath, [nextBin, 'build'], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// ------------------------------------------------------------------ first-load JS from the build

type Sizes = { files: { file: string; raw: number; gzip: number }[]; totalGzip: number; totalRaw: number };

/** The route's client-reference manifest lists, per server entry (layouts and page), the chunks it needs at load. */
function routeChunks(): string[] {
  const manifestFile = path.join(distDir, 'server/app', ROUTE, 'page_client-reference-manifest.js');
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} not found: run with --build`);
  const sandbox: { globalThis: { __RSC_MANIFEST?: Record<string, { entryJSFiles?: Record<string, string[]> }> } } = { globalThis: {} };
  // The manifest is a script that assigns globalThis.__RSC_MANIFEST[route] = {...}.
  new Function('globalThis', readFileSync(manifestFile, 'utf8'))(sandbox.globalThis);
  const entry = Object.values(sandbox.globalThis.__RSC_MANIFEST ?? {})[0];
  if (!entry?.entryJSFiles) throw new Error(`no entryJSFiles in ${manifestFile}`);
  return Object.values(entry.entryJSFiles).flat();
}

function firstLoadJs(): Sizes {
  const buildManifest = JSON.parse(readFileSync(path.join(distDir, 'build-manifest.json'), 'utf8')) as { rootMainFiles?: string[]; polyfillFiles?: string[] };
  const files = [...new Set([...(buildManifest.rootMainFiles ?? []), ...routeChunks()].filter((f) => f.endsWith('.js')))];
  const out = files.map((f) => {
    const abs = path.join(distDir, f.replace(/^\/?_next\//, ''));
    return { file: f, raw: readFileSync(abs).length, gzip: gz(abs) };
  });
  return { files: out, totalGzip: out.reduce((n, f) => n + f.gzip, 0), totalRaw: out.reduce((n, f) => n + f.raw, 0) };
}

// ------------------------------------------------------------------ time to content

async function waitForApp(url: string, child: ChildProcess, logs: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`app did not start:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

type Timing = { contentMs: number; iframeLoadMs: number; jsGzipBytes: number; jsRequests: number };

async function timeToContent(): Promise<{ timings: Timing[]; firstInstallMs: number }> {
  const appPort = await freePort();
  const appUrl = `http://localhost:${appPort}`;
  const sandbox = await startSandbox({ port: 0, appUrl, quiet: true });
  const db = hasPostgresBinaries() ? await startThrowawayPostgres('synclane-measure-pg-') : null;
  let databaseUrl: string | undefined;
  if (db) {
    const c = new pg.Client({ connectionString: db.adminUrl });
    await c.connect();
    await c.query('create database measure');
    await c.end();
    databaseUrl = db.adminUrl.replace(/\/[^/]*$/, '/measure');
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'synclane-measure-'));
  const logs: string[] = [];
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(appPort), '-H', '127.0.0.1'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      APP_URL: appUrl,
      SANDBOX_URL: sandbox.url,
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      AUTH_SECRET: randomBytes(33).toString('base64'),
      HOURLY_SYNC: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => logs.push(String(d)));
  child.stderr!.on('data', (d) => logs.push(String(d)));
  const browser = await chromium.launch({ executablePath: requireChromium(), args: CHROMIUM_ARGS, headless: true });
  try {
    await waitForApp(`${appUrl}/`, child, logs);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // In every frame: when the settings content first appears on screen, remember the time (epoch ms).
    // (A string, not a function: tsx would wrap named functions in a helper the page does not have.)
    // On screen = rendered with a size (the host keeps the iframe hidden until the SDK handshake, so the
    // element can exist before it can be seen): checked on every DOM change and every 5 ms.
    await context.addInitScript({
      content: `(() => {
        const check = () => {
          if (window.__contentAt) return;
          const el = document.querySelector('[data-testid="settings"]');
          if (el && el.getBoundingClientRect().height > 0) {
            window.__contentAt = performance.timeOrigin + performance.now();
            clearInterval(timer);
          }
        };
        const timer = setInterval(check, 5);
        new MutationObserver(check).observe(document, { childList: true, subtree: true });
      })();`,
    });
    const page = await context.newPage();

    const t0 = performance.now();
    await page.goto(`${sandbox.url}/pipedrive/settings/marketplace`);
    await page.getByRole('button', { name: 'Install' }).or(page.getByRole('link', { name: 'Install' })).first().click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/app-settings/);
    const settingsUrl = page.url();
    const appFrame = () => page.frames().find((f) => f.url().startsWith(appUrl) && f.url().includes(ROUTE));
    await page.waitForFunction(() => true);
    await waitForContent(page, appFrame);
    const firstInstallMs = performance.now() - t0;

    const timings: Timing[] = [];
    for (let i = 0; i <= runs; i++) {
      const js: { url: string; bytes: number }[] = [];
      const onResponse = async (r: import('playwright-core').Response) => {
        if (!r.url().startsWith(appUrl) || !/\.js(\?|$)/.test(r.url())) return;
        const body = await r.body().catch(() => null);
        if (body) js.push({ url: r.url(), bytes: gzipSync(body, { level: 9 }).length });
      };
      page.on('response', onResponse);
      await page.goto(settingsUrl);
      const frame = await waitForContent(page, appFrame);
      const t = await frame.evaluate(() => {
        const w = window as unknown as { __contentAt?: number };
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return { contentMs: (w.__contentAt ?? Number.NaN) - performance.timeOrigin, iframeLoadMs: nav?.loadEventEnd ?? Number.NaN };
      });
      page.off('response', onResponse);
      if (i === 0) continue; // warm-up: server caches, Chromium's code cache
      timings.push({ ...t, jsGzipBytes: js.reduce((n, j) => n + j.bytes, 0), jsRequests: js.length });
    }
    await context.close();
    return { timings, firstInstallMs };
  } finally {
    await browser.close().catch(() => undefined);
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await sandbox.close();
    db?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function waitForContent(page: import('playwright-core').Page, appFrame: () => import('playwright-core').Frame | undefined) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const frame = appFrame();
    if (frame) {
      const done = await frame.evaluate(() => !!(window as unknown as { __contentAt?: number }).__contentAt && document.readyState === 'complete').catch(() => false);
      if (done) return frame;
    }
    if (Date.now() > deadline) {
      const shot = path.join(os.tmpdir(), 'measure-iframe-failure.png');
      await page.screenshot({ path: shot }).catch(() => undefined);
      const frames = page.frames().map((f) => f.url()).join('\n  ');
      throw new Error(`settings content did not appear in the iframe within 30 s (screenshot ${shot}); frames:\n  ${frames}`);
    }
    await page.waitForTimeout(50);
  }
}

// ------------------------------------------------------------------ main

async function main() {
  const sizeOnly = args['size-only'] === 'true';
  // --size-only can read the chunks of a build whose type check failed; `next start` needs a finished build.
  const usable = existsSync(path.join(distDir, sizeOnly ? 'build-manifest.json' : 'BUILD_ID'));
  if (args.build === 'true' || !usable) build();
  const sizes = firstLoadJs();
  const lazy = readdirSync(path.join(distDir, 'static/chunks')).filter((f) => f.endsWith('.js')).length;
  const buildId = existsSync(path.join(distDir, 'BUILD_ID')) ? readFileSync(path.join(distDir, 'BUILD_ID'), 'utf8').trim() : '(unfinished)';
  console.log(`\n## Settings iframe (${ROUTE}), production build ${buildId}\n`);
  console.log(`First-load JS: ${kb(sizes.totalGzip)} KB gzip (${kb(sizes.totalRaw)} KB raw) in ${sizes.files.length} chunks — budget ${BUDGET_KB} KB: ${kb(sizes.totalGzip) <= BUDGET_KB ? 'within' : 'OVER'}`);
  for (const f of [...sizes.files].sort((a, b) => b.gzip - a.gzip)) console.log(`  ${kb(f.gzip).toFixed(1).padStart(6)} KB gzip  ${kb(f.raw).toFixed(1).padStart(7)} KB raw  ${f.file}`);
  console.log(`  (${lazy} chunk files in the build in all; the rest load on demand)`);
  if (sizeOnly) return;

  const loadBefore = os.loadavg()[0]!;
  const { timings, firstInstallMs } = await timeToContent();
  // Timings on a shared machine depend on what else runs: say how busy it was.
  console.log(`\nMachine: ${os.cpus().length} cores, load average ${loadBefore.toFixed(1)} before / ${os.loadavg()[0]!.toFixed(1)} after; Node ${process.version}`);
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]!, min: s[0]! };
  };
  const content = stat(timings.map((t) => t.contentMs));
  const load = stat(timings.map((t) => t.iframeLoadMs));
  console.log(`\nTime to content (iframe navigation start → [data-testid=settings] on screen), ${timings.length} loads after a warm-up:`);
  console.log(`  median ${Math.round(content.median)} ms, min ${Math.round(content.min)} ms, max ${Math.round(content.max)} ms — budget ${CONTENT_BUDGET_MS} ms: ${content.max < CONTENT_BUDGET_MS ? 'within' : content.median < CONTENT_BUDGET_MS ? 'median within, max OVER' : 'OVER'}`);
  console.log(`  iframe load event: median ${Math.round(load.median)} ms (max ${Math.round(load.max)} ms)`);
  console.log(`  JS the browser fetched from the app per load: ${kb(timings[0]!.jsGzipBytes)} KB gzip in ${timings[0]!.jsRequests} requests (includes import() chunks such as the Pipedrive SDK)`);
  console.log(`  first load incl. Marketplace install: ${Math.round(firstInstallMs)} ms`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
