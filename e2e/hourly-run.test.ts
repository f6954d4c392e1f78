/**
 * Hourly run e2e (C16, F8): the production server with its in-process scheduler on (HOURLY_SYNC, a short
 * SCHEDULER_TICK_MS). A Dropbox files connection set up in the browser is not due until an hour after its
 * last run; a file added in Dropbox (webhooks off, so nothing else notices it) stays put. Once the
 * connection's next run time has passed, the scheduler runs it by itself and the file reaches Pipedrive
 * without anybody pressing anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { Client } from 'pg';
import { startStack, type Stack } from './support/servers';
import { authorizeInPopup, installFromPipedriveMarketplace } from './support/flows';

const OLIVIA = 'olivia.northwind@gmail.com';
const COMPANY = 7401001;
let stack: Stack;
let context: BrowserContext;
let page: Page;
let frame: FrameLocator;
let db: Client;
let personId: number;

beforeAll(async () => {
  stack = await startStack({ HOURLY_SYNC: 'true', SCHEDULER_TICK_MS: '500' });
  if (!stack.databaseUrl) throw new Error('The hourly e2e needs the Postgres server of the e2e global setup (it moves a due time).');
  db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  context = await stack.browser.newContext();
  page = await context.newPage();
  frame = await installFromPipedriveMarketplace(page, stack.sandbox.url);
  personId = stack.sandbox.pipedrive.persons(COMPANY).find((p) => !p.is_deleted && p.owner_id === 13001 && p.name)!.id;
});
afterAll(async () => {
  await db?.end().catch(() => undefined);
  await stack?.close();
});

const personFiles = () => stack.sandbox.pipedrive.getState().files.filter((f) => f.companyId === COMPANY && f.person_id === personId && f.active_flag);
const filesConnection = async () =>
  (await db.query<{ id: string; stage: string; next_run_at: Date | null }>(`select id, stage, next_run_at from sync_connections where kind = 'files'`)).rows;

describe('C16: the in-process scheduler runs due connections by itself', () => {
  it('C16/F8: once its hour is up, a files connection syncs a Dropbox change with nobody pressing anything', async () => {
    await expect.poll(async () => frame.getByTestId('link-dropbox').count(), { timeout: 20_000 }).toBe(1);
    await authorizeInPopup(context, () => frame.getByTestId('link-dropbox').click());
    await expect.poll(async () => frame.getByTestId('integration-dropbox').textContent(), { timeout: 30_000 }).toContain(OLIVIA);
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${personId}`);
    const panel = page.frameLocator('iframe').first();
    await expect.poll(async () => panel.getByTestId('dropbox-button').count(), { timeout: 20_000 }).toBe(1);
    await panel.getByTestId('dropbox-button').click();
    await expect.poll(async () => panel.getByTestId('dropbox-status').textContent(), { timeout: 60_000 }).toMatch(/\/Persons\//);
    await expect.poll(async () => (await filesConnection()).map((c) => c.stage), { timeout: 60_000 }).toEqual(['idle']);

    // The first run scheduled the next one an hour later: not due now.
    const [before] = await filesConnection();
    expect(before!.next_run_at!.getTime() - Date.now()).toBeGreaterThan(50 * 60_000);
    const folder = stack.sandbox.dropbox.entries(OLIVIA).find((e) => e.kind === 'folder' && e.pathDisplay.endsWith(` (${personId})`))!;
    stack.sandbox.dropbox.config({ webhooksEnabled: false });
    stack.sandbox.dropbox.writeFile(OLIVIA, `${folder.pathDisplay}/Hourly.txt`, Buffer.from('found by the hourly run\n'), 'add');
    await new Promise((r) => setTimeout(r, 3000)); // six scheduler ticks
    expect(personFiles().map((f) => f.name)).not.toContain('Hourly.txt');

    // The hour is up (the app's clock is the real one, so the due time moves instead).
    const moved = await db.query(`update sync_connections set next_run_at = now() - interval '1 second' where id = $1`, [before!.id]);
    expect(moved.rowCount).toBe(1);
    await expect.poll(() => personFiles().map((f) => f.name), { timeout: 60_000 }).toContain('Hourly.txt');
    await expect
      .poll(async () => (await db.query(`select status from sync_runs where connection_id = $1 and trigger = 'hourly'`, [before!.id])).rows.map((r) => r.status), { timeout: 30_000 })
      .toEqual(['succeeded']);
    // Then the connection is back on the hourly schedule. (The upload to the person can come back as a CRM record
    // webhook, F8, which asks for one more check of the record first; that run reschedules too.)
    await expect
      .poll(async () => {
        const [after] = await filesConnection();
        return after!.stage === 'idle' ? after!.next_run_at!.getTime() - Date.now() : 0;
      }, { timeout: 30_000 })
      .toBeGreaterThan(50 * 60_000);
  });
});
