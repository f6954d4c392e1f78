/**
 * The marketplace reviewer's walk (issue 8, M4, M6, B2, B4, B8, B9, C13, C14): in Chromium, inside the emulated
 * Pipedrive and Teamleader, with Google and Outlook — install → settings → link → preview → start → dashboard
 * → record panel, in light and dark, in English and in Dutch/Swedish. Every step saves a screenshot into
 * docs/screenshots/ (listed in docs/REVIEW-WALK.md) and asserts what a reviewer sees on it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { Client } from 'pg';
import { startStack, type Stack } from './support/servers';
import { authorizeInPopup, installFromPipedriveMarketplace } from './support/flows';
import { en } from '@/lib/i18n/en';
import { nl } from '@/lib/i18n/nl';
import { sv } from '@/lib/i18n/sv';

const SHOTS = path.resolve('docs/screenshots');
const COMPANY = 7401001;
const OLIVIA = 13001;
const RAHUL = 13002;
const NINA = 13003;

let stack: Stack;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack();
  // A laptop-sized window at 1× keeps the PNGs modest; the host page grows with our iframe (full-page shots).
  context = await stack.browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page = await context.newPage();
});
afterAll(async () => stack?.close());

const frame = (): FrameLocator => page.frameLocator('iframe').first();

async function shot(name: string): Promise<void> {
  await page.waitForTimeout(400); // let the iframe resize and fonts settle
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function setTheme(theme: 'light' | 'dark'): Promise<void> {
  const current = await page.evaluate(() => document.documentElement.dataset.theme);
  if (current !== theme) await page.locator('#pd-theme-toggle').click();
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
}

/** The iframe follows the host's theme (M4). */
async function expectFrameTheme(theme: 'light' | 'dark'): Promise<void> {
  await expect.poll(async () => frame().locator('html').getAttribute('data-theme'), { timeout: 10_000 }).toBe(theme);
}

async function switchPipedriveUser(userId: number): Promise<void> {
  await page.goto(`${stack.sandbox.url}/pipedrive`);
  // The switcher submits a form on change: wait for that navigation before going anywhere else.
  await Promise.all([page.waitForNavigation(), page.getByRole('combobox', { name: 'Signed in as' }).selectOption(String(userId))]);
  await expect.poll(() => page.getByRole('combobox', { name: 'Signed in as' }).inputValue()).toBe(String(userId));
}

/** Text with every English UI sentence that must not appear in another language's page. */
function englishLeaks(text: string): string[] {
  const phrases = [
    en.settings.notInThisRelease,
    en.contacts.link.connect,
    en.contacts.setup.start,
    en.contacts.setup.preview,
    en.contacts.dashboard.refresh,
    en.contacts.dashboard.lastRunCounts,
    en.contacts.dashboard.stop,
    en.settings.integrations.contacts.description,
    en.settings.integrations.dropbox.description,
    'Loading',
    'Direction',
    'running now',
    'sync set up',
    'Last run',
    'Next run',
  ];
  return phrases.filter((p) => p && text.includes(p));
}

async function linkInFrame(f: FrameLocator, provider: 'google' | 'microsoft', email: string): Promise<void> {
  await f.getByTestId('contacts-provider').selectOption(provider);
  await f.getByTestId('contacts-email').fill(email);
  await authorizeInPopup(context, () => f.getByTestId('contacts-connect').click());
  await expect.poll(async () => f.getByTestId(`account-${provider}`).count(), { timeout: 30_000 }).toBe(1);
}

const ownedExportable = (ownerId: number) =>
  stack.sandbox.pipedrive
    .persons(COMPANY)
    .filter((p) => !p.is_deleted && p.owner_id === ownerId && p.first_name?.trim() && p.last_name?.trim() && (p.emails.length || p.phones.length));
const ownedSkipped = (ownerId: number) =>
  stack.sandbox.pipedrive.persons(COMPANY).filter((p) => !p.is_deleted && p.owner_id === ownerId && !(p.first_name?.trim() && p.last_name?.trim() && (p.emails.length || p.phones.length)));

describe('Pipedrive, English, Google export (Olivia)', () => {
  it('M1/M4: install from the Marketplace; the settings open inside Pipedrive (light)', async () => {
    await setThemeCookie('light');
    await installFromPipedriveMarketplace(page, stack.sandbox.url);
    await expect.poll(async () => frame().getByTestId('connected-company').textContent(), { timeout: 30_000 }).toContain('Northwind Traders');
    await expect.poll(async () => frame().getByTestId('contacts-connect').count(), { timeout: 20_000 }).toBe(1);
    await expectFrameTheme('light');
    await shot('01-pipedrive-settings-light');
  });

  it('C1/B2: link Google in a popup, preview says how many will be exported and why others are skipped', async () => {
    await linkInFrame(frame(), 'google', 'olivia.northwind@gmail.com');
    await frame().getByTestId('preview-button').click();
    await expect.poll(async () => frame().getByTestId('preview-to-export').textContent(), { timeout: 30_000 }).toBe(String(ownedExportable(OLIVIA).length));
    expect(await frame().getByTestId('preview-result').textContent()).toContain('skipped');
    await shot('02-pipedrive-google-preview-light');
  });

  it('C14/C13/item 1: Start → dashboard; the card stops saying "running now" by itself when the run ends', async () => {
    await frame().getByTestId('start-sync').click();
    const card = frame().getByTestId('integration-contacts');
    await expect.poll(async () => frame().getByTestId('in-sync-count').textContent(), { timeout: 90_000 }).toBe(String(ownedExportable(OLIVIA).length));
    await expect.poll(async () => frame().getByTestId('dashboard').getAttribute('data-running'), { timeout: 60_000 }).toBe('false');
    // Live run state on the settings card (no reload): the finished run is not shown as running.
    await expect.poll(async () => card.locator('p').nth(1).textContent(), { timeout: 30_000 }).not.toMatch(/running now/);
    expect(await card.locator('p').nth(1).textContent()).toMatch(/1 sync set up/);
    // B4: skipped persons with their reason and a Retry each.
    await frame().getByTestId('skipped-list').locator('summary').click();
    expect(await frame().getByTestId('retry-skipped').count()).toBe(ownedSkipped(OLIVIA).length);
    await shot('03-pipedrive-google-dashboard-light');
  });

  it('B9: the person panel shows the linked Google contact; a skipped person offers the fix and Retry (light)', async () => {
    const linked = ownedExportable(OLIVIA)[0]!;
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${linked.id}`);
    await expect.poll(async () => frame().getByTestId('record-title').textContent(), { timeout: 30_000 }).toBe(linked.name);
    await expect.poll(async () => frame().getByTestId('panel-sync-item').getAttribute('data-state'), { timeout: 20_000 }).toBe('linked');
    expect(await frame().getByTestId('panel-contact-link').count()).toBe(1);
    await shot('04-pipedrive-panel-linked-light');

    const skipped = ownedSkipped(OLIVIA)[0]!;
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${skipped.id}`);
    await expect.poll(async () => frame().getByTestId('panel-sync-item').getAttribute('data-state'), { timeout: 30_000 }).toBe('skipped');
    expect(await frame().getByTestId('panel-retry').count()).toBe(1);
    await shot('05-pipedrive-panel-skipped-light');
  });

  it('B4 in the panel: Retry runs the sync for this person now and says so while it runs', async () => {
    const skipped = ownedSkipped(OLIVIA)[0]!;
    const lastRun = async () => {
      const c = new Client({ connectionString: stack.databaseUrl });
      await c.connect();
      const r = await c.query<{ at: Date | null }>('select max(last_run_at) as at from sync_connections');
      await c.end();
      return r.rows[0]?.at?.getTime() ?? 0;
    };
    const before = await lastRun();
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${skipped.id}`);
    await expect.poll(async () => frame().getByTestId('panel-retry').count(), { timeout: 30_000 }).toBe(1);
    await frame().getByTestId('panel-retry').click();
    // The sync ran again for it (the person is still incomplete, so it stays skipped, with no error shown).
    await expect.poll(lastRun, { timeout: 60_000 }).toBeGreaterThan(before);
    await expect.poll(async () => frame().getByTestId('panel-retry').textContent(), { timeout: 60_000 }).toBe(en.contacts.dashboard.retry);
    expect(await frame().getByTestId('panel-sync-item').getAttribute('data-state')).toBe('skipped');
    // No error notice (Next's route announcer is an empty role=alert on every page).
    expect((await frame().getByRole('alert').allTextContents()).filter((t) => t.trim())).toEqual([]);
  });

  it('M4: dark theme — settings dashboard and person panel follow Pipedrive', async () => {
    await setTheme('dark');
    const linked = ownedExportable(OLIVIA)[1]!;
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${linked.id}`);
    await expect.poll(async () => frame().getByTestId('panel-sync-item').getAttribute('data-state'), { timeout: 30_000 }).toBe('linked');
    await expectFrameTheme('dark');
    await shot('06-pipedrive-panel-dark');
    await openPipedriveSettings();
    await expect.poll(async () => frame().getByTestId('dashboard').count(), { timeout: 30_000 }).toBe(1);
    await expectFrameTheme('dark');
    await shot('07-pipedrive-google-dashboard-dark');
  });
});

describe('Pipedrive, English, Outlook → Pipedrive (Olivia)', () => {
  it('C1/C3/B2/C14: link Outlook, choose the Clients folder, preview, start; the dashboard shows the import (dark)', async () => {
    await openPipedriveSettings();
    await linkInFrame(frame(), 'microsoft', 'olivia.northwind@outlook.com');
    const setup = frame().getByTestId('account-microsoft').locator('xpath=..').getByTestId('sync-setup');
    await setup.getByTestId('direction').selectOption('provider_to_crm');
    await expect.poll(async () => setup.getByTestId('group').locator('option').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    const option = setup.getByTestId('group').locator('option', { hasText: 'Clients' }).first();
    await setup.getByTestId('group').selectOption((await option.getAttribute('value'))!);
    await setup.getByTestId('import-preview-button').click();
    await expect.poll(async () => setup.getByTestId('import-preview-result').count(), { timeout: 30_000 }).toBe(1);
    await shot('08-pipedrive-outlook-preview-dark');
    await setup.getByTestId('start-sync').click();
    const dashboard = frame().getByTestId('dashboard').filter({ hasText: 'Microsoft Outlook → Pipedrive' });
    await expect.poll(async () => dashboard.getAttribute('data-running'), { timeout: 90_000 }).toBe('false');
    await expect.poll(async () => Number(await dashboard.getByTestId('in-sync-count').textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
    await setTheme('light');
    await expectFrameTheme('light');
    await shot('09-pipedrive-outlook-dashboard-light');
  });
});

describe('Pipedrive in Dutch (Rahul, nl_BE), Google export', () => {
  it('B8: install as Rahul; the settings speak Dutch, with no English left', async () => {
    await switchPipedriveUser(RAHUL);
    await installFromPipedriveMarketplace(page, stack.sandbox.url);
    await expect.poll(async () => frame().getByTestId('contacts-connect').textContent(), { timeout: 30_000 }).toBe(nl.contacts.link.connect);
    expect(await frame().locator('html').getAttribute('lang')).toBe('nl');
    expect(englishLeaks((await frame().locator('body').innerText()) ?? '')).toEqual([]);
    await shot('10-pipedrive-nl-settings-light');
  });

  it('B2/C14: link Google, preview and start in Dutch; the dashboard has no English (dark)', async () => {
    await linkInFrame(frame(), 'google', 'rahul.northwind@gmail.com');
    await frame().getByTestId('preview-button').click();
    await expect.poll(async () => frame().getByTestId('preview-to-export').textContent(), { timeout: 30_000 }).toMatch(/^\d+$/);
    await shot('11-pipedrive-nl-preview-light');
    await frame().getByTestId('start-sync').click();
    await expect.poll(async () => frame().getByTestId('dashboard').getAttribute('data-running'), { timeout: 90_000 }).toBe('false');
    await expect.poll(async () => frame().getByTestId('counts-caption').textContent(), { timeout: 30_000 }).toBe(nl.contacts.dashboard.lastRunCounts);
    await setTheme('dark');
    await expectFrameTheme('dark');
    await frame().getByTestId('skipped-list').locator('summary').click().catch(() => undefined);
    expect(englishLeaks((await frame().locator('body').innerText()) ?? '')).toEqual([]);
    await shot('12-pipedrive-nl-dashboard-dark');
  });

  it('B9/B8: the person panel in Dutch (dark and light)', async () => {
    const person = ownedExportable(RAHUL)[0]!;
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${person.id}`);
    await expect.poll(async () => frame().getByTestId('panel-sync-item').getAttribute('data-state'), { timeout: 30_000 }).toBe('linked');
    await expect.poll(async () => frame().locator('html').getAttribute('lang'), { timeout: 10_000 }).toBe('nl');
    expect(englishLeaks((await frame().locator('body').innerText()) ?? '')).toEqual([]);
    expect(await frame().getByTestId('record-panel').textContent()).toContain(nl.panel.sync.title);
    await shot('13-pipedrive-nl-panel-dark');
    await setTheme('light');
    await expectFrameTheme('light');
    await shot('14-pipedrive-nl-panel-light');
  });
});

describe('Pipedrive in Swedish (Nina, sv_SE, no "add people" right)', () => {
  it('C2/B8: the missing rights are explained in Swedish before anything is linked', async () => {
    await switchPipedriveUser(NINA);
    await installFromPipedriveMarketplace(page, stack.sandbox.url);
    await expect.poll(async () => frame().getByTestId('missing-permission-add_people').count(), { timeout: 30_000 }).toBe(1);
    expect(await frame().locator('html').getAttribute('lang')).toBe('sv');
    expect(await frame().getByTestId('contacts-connect').textContent()).toBe(sv.contacts.link.connect);
    expect(englishLeaks((await frame().locator('body').innerText()) ?? '')).toEqual([]);
    await shot('15-pipedrive-sv-settings-light');
    await setTheme('dark');
    await expectFrameTheme('dark');
    await shot('16-pipedrive-sv-settings-dark');
    await setTheme('light');
  });
});

describe('Teamleader in Dutch (Lotte, nl-BE), Google export and Outlook import', () => {
  it('M2/B8: install from the Teamleader Marketplace; our settings page speaks Dutch', async () => {
    await page.goto(`${stack.sandbox.url}/teamleader`);
    await page.getByRole('link', { name: 'Marketplace' }).first().click();
    await page.getByRole('button', { name: 'Install' }).or(page.getByRole('link', { name: 'Install' })).first().click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/teamleader\/settings/);
    await expect.poll(async () => page.getByTestId('contacts-connect').textContent(), { timeout: 30_000 }).toBe(nl.contacts.link.connect);
    expect(englishLeaks((await page.locator('body').innerText()) ?? '')).toEqual([]);
    await shot('17-teamleader-nl-settings');
  });

  it('C1/B2/C14: Google export on Teamleader — preview, start, dashboard', async () => {
    const tl = page.mainFrame();
    await tl.getByTestId('contacts-provider').selectOption('google');
    await tl.getByTestId('contacts-email').fill('lotte.bruggebikes@gmail.com');
    await authorizeInPopup(context, () => tl.getByTestId('contacts-connect').click());
    await expect.poll(async () => page.getByTestId('account-google').count(), { timeout: 30_000 }).toBe(1);
    await page.getByTestId('preview-button').click();
    await expect.poll(async () => page.getByTestId('preview-to-export').textContent(), { timeout: 30_000 }).toMatch(/^\d+$/);
    await shot('18-teamleader-nl-google-preview');
    await page.getByTestId('start-sync').click();
    await expect.poll(async () => page.getByTestId('dashboard').getAttribute('data-running'), { timeout: 90_000 }).toBe('false');
    expect(englishLeaks((await page.locator('body').innerText()) ?? '')).toEqual([]);
    await shot('19-teamleader-nl-google-dashboard');
  });

  it('C1/C3/C14: Outlook → Teamleader with the Clients folder, in Dutch', async () => {
    await page.getByTestId('contacts-provider').last().selectOption('microsoft');
    await page.getByTestId('contacts-email').last().fill('lotte.bruggebikes@outlook.com');
    await authorizeInPopup(context, () => page.getByTestId('contacts-connect').last().click());
    await expect.poll(async () => page.getByTestId('account-microsoft').count(), { timeout: 30_000 }).toBe(1);
    const setup = page.getByTestId('account-microsoft').locator('xpath=..').getByTestId('sync-setup');
    await setup.getByTestId('direction').selectOption('provider_to_crm');
    await expect.poll(async () => setup.getByTestId('group').locator('option').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    const option = setup.getByTestId('group').locator('option', { hasText: 'Clients' }).first();
    await setup.getByTestId('group').selectOption((await option.getAttribute('value'))!);
    await setup.getByTestId('import-preview-button').click();
    await expect.poll(async () => setup.getByTestId('import-preview-result').count(), { timeout: 30_000 }).toBe(1);
    await shot('20-teamleader-nl-outlook-preview');
    await setup.getByTestId('start-sync').click();
    const dashboard = page.getByTestId('dashboard').filter({ hasText: 'Microsoft Outlook → Teamleader' });
    await expect.poll(async () => dashboard.getAttribute('data-running'), { timeout: 90_000 }).toBe('false');
    expect(englishLeaks((await page.locator('body').innerText()) ?? '')).toEqual([]);
    await shot('21-teamleader-nl-outlook-dashboard');
  });
});

/** Pipedrive remembers the theme in a cookie; start the walk in light. */
async function setThemeCookie(theme: 'light' | 'dark'): Promise<void> {
  await context.addCookies([{ name: 'pd_theme', value: theme, url: stack.sandbox.url }]);
}

/** Back to the app-settings page (it hosts our settings iframe) of the signed-in Pipedrive user. */
async function openPipedriveSettings(): Promise<void> {
  await page.goto(`${stack.sandbox.url}/pipedrive/settings/marketplace`);
  await page.getByRole('link', { name: 'Settings', exact: true }).first().click();
  await page.waitForURL(/app-settings/);
  await expect.poll(async () => frame().getByTestId('settings').count(), { timeout: 30_000 }).toBe(1);
}
