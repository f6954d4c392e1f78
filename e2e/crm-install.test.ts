/**
 * Foundation e2e (M1, M2, M4, M5, M6): a person in Chromium installs Synclane from the emulated Pipedrive
 * Marketplace, sees the settings inside Pipedrive, opens a person and sees our panel, switches theme,
 * uninstalls and re-installs; and installs from the Teamleader Marketplace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startStack, type Stack } from './support/servers';
import { authorizeInPopup } from './support/flows';
import { nl } from '@/lib/i18n/nl';

let stack: Stack;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
  page = await (await stack.browser.newContext()).newPage();
});
afterAll(async () => stack?.close());

const settingsFrame = () => page.frameLocator('iframe').first();

async function installFromMarketplace() {
  await page.goto(`${stack.sandbox.url}/pipedrive`);
  await page.getByRole('link', { name: 'Marketplace' }).first().click();
  await page.getByRole('button', { name: 'Install' }).or(page.getByRole('link', { name: 'Install' })).first().click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(/app-settings/);
}

describe('Pipedrive', () => {
  it('M1/M4: Install → consent → settings iframe shows Northwind Traders', async () => {
    await installFromMarketplace();
    await expect.poll(async () => settingsFrame().getByTestId('connected-company').textContent(), { timeout: 20_000 }).toContain('Northwind Traders');
    await expect.poll(async () => settingsFrame().getByTestId('integration-contacts').count()).toBe(1);
  });

  it('M4: the person panel shows the person it is opened on', async () => {
    const person = stack.sandbox.pipedrive.persons(7401001).find((p) => p.owner_id === 13001 && !p.is_deleted && p.name)!;
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${person.id}`);
    await expect.poll(async () => page.frameLocator('iframe').first().getByTestId('record-title').textContent(), { timeout: 20_000 }).toBe(person.name);
  });

  it('M4: switching Pipedrive to dark theme re-themes our iframe', async () => {
    const frame = page.frames().find((f) => f.url().includes('/embedded/pipedrive/panel'))!;
    expect(await frame.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.getByRole('button', { name: /dark|theme/i }).first().click();
    await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.theme), { timeout: 10_000 }).toBe('dark');
  });

  it('M5: Uninstall sends the real uninstall call; Install again works', async () => {
    await page.goto(`${stack.sandbox.url}/pipedrive/settings/marketplace`);
    page.once('dialog', (d) => void d.accept()); // "Uninstall Synclane?" confirmation
    await page.getByRole('button', { name: 'Uninstall' }).click();
    await expect.poll(async () => page.textContent('body'), { timeout: 10_000 }).toContain('Synclane answered the uninstall notification with HTTP 200');
    await expect.poll(async () => page.getByRole('button', { name: 'Install' }).or(page.getByRole('link', { name: 'Install' })).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const contextStatus = async () =>
      (await fetch(`${stack.appUrl}/api/embedded/context`, { headers: { authorization: `Bearer ${stack.sandbox.pipedrive.signIframeToken(7401001, 13001)}` } })).status;
    await expect.poll(contextStatus, { timeout: 10_000 }).toBe(401);
    await installFromMarketplace();
    await expect.poll(async () => settingsFrame().getByTestId('connected-company').textContent(), { timeout: 20_000 }).toContain('Northwind Traders');
  });

  it('M1: Deny on the consent page ends on a clear page', async () => {
    const ctx = await stack.browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${stack.appUrl}/api/pipedrive/install`);
    await p.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(async () => p.getByTestId('install-result').getAttribute('data-outcome')).toBe('denied');
    expect(await p.textContent('h1')).toContain('not installed');
    await ctx.close();
  });
});

describe('Teamleader', () => {
  it('M2: Install from the Teamleader Marketplace opens our settings for Brugge Bikes', async () => {
    await page.goto(`${stack.sandbox.url}/teamleader`);
    await page.getByRole('link', { name: 'Marketplace' }).first().click();
    await page.getByRole('button', { name: 'Install' }).or(page.getByRole('link', { name: 'Install' })).first().click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/teamleader\/settings/);
    await expect.poll(async () => page.getByTestId('connected-company').textContent(), { timeout: 20_000 }).toContain('Brugge Bikes');
  });

  it('B8: the settings page speaks Dutch to Lotte, whose Teamleader language is nl-BE', async () => {
    await expect.poll(async () => page.getByTestId('integration-contacts').locator('h2').textContent(), { timeout: 20_000 }).toBe(nl.settings.integrations.contacts.name);
    expect(await page.getByTestId('contacts-connect').textContent()).toBe(nl.contacts.link.connect);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('nl');
  });

  it('C1/B2/C14: on the Teamleader settings page, connect Google, preview and start the export', async () => {
    await page.getByTestId('contacts-email').fill('lotte.bruggebikes@gmail.com');
    await authorizeInPopup(page.context(), () => page.getByTestId('contacts-connect').click());
    await expect.poll(async () => page.getByTestId('linked-email').textContent(), { timeout: 30_000 }).toBe('lotte.bruggebikes@gmail.com');
    await page.getByTestId('preview-button').click();
    await expect.poll(async () => page.getByTestId('preview-to-export').textContent(), { timeout: 20_000 }).toMatch(/^\d+$/);
    const toExport = Number(await page.getByTestId('preview-to-export').textContent());
    expect(await page.getByTestId('preview-result').textContent()).toContain('“Teamleader”');
    await page.getByTestId('start-sync').click();
    await expect.poll(async () => page.getByTestId('in-sync-count').textContent(), { timeout: 60_000 }).toBe(String(toExport));
    const group = stack.sandbox.google.groups('lotte.bruggebikes@gmail.com').find((g) => g.name === 'Teamleader');
    expect(group).toBeTruthy();
  });
});

describe('M4 framing and page-level token checks (proxy.ts, real server)', () => {
  const embedded = (token: string | null, extra = '') =>
    fetch(`${stack.appUrl}/embedded/pipedrive/settings?id=abc${token ? `&token=${encodeURIComponent(token)}` : ''}${extra}`, { redirect: 'manual' });

  it('M4: embedded pages may be framed only by the CRM origin (frame-ancestors) and never send X-Frame-Options', async () => {
    const res = await embedded(stack.sandbox.pipedrive.signIframeToken(7401001, 13001), '&userId=13001&companyId=7401001');
    expect(res.status).toBe(200);
    const frameAncestors = (res: Response) => res.headers.get('content-security-policy')?.split('; ').find((d) => d.startsWith('frame-ancestors '));
    expect(frameAncestors(res)).toBe(`frame-ancestors ${new URL(stack.sandbox.url).origin}`);
    expect(res.headers.get('x-frame-options')).toBeNull();
    const other = await fetch(`${stack.appUrl}/install/result?crm=pipedrive&outcome=denied`);
    expect(frameAncestors(other)).toBe("frame-ancestors 'none'");
  });

  it('M4: a missing, forged or expired token — or one for another user than the URL claims — gets 401 and no page', async () => {
    const [h, p, sig] = stack.sandbox.pipedrive.signIframeToken(7401001, 13001).split('.');
    const forged = `${h}.${p}.${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`;
    stack.sandbox.advanceClock(-10 * 60_000); // issued 10 minutes ago: expired 5 minutes ago
    const expired = stack.sandbox.pipedrive.signIframeToken(7401001, 13001);
    stack.sandbox.advanceClock(10 * 60_000);
    const valid = stack.sandbox.pipedrive.signIframeToken(7401001, 13001);
    for (const res of [await embedded(null), await embedded(forged), await embedded(expired), await embedded(valid, '&userId=13002&companyId=7401001')]) {
      expect(res.status).toBe(401);
      const body = await res.text();
      expect(body).not.toContain('Northwind');
      expect(body).toContain('could not verify');
    }
  });
});
