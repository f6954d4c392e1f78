/**
 * S1 in the browser (docs/SECURITY.md): a link URL forwarded to someone else — opened in another browser
 * context, consented there — attaches nothing; the same flow in the starter's own popup links the account
 * through the one-time code handed to the opener. Also S11: the pages run under the nonce CSP without
 * violations (the Pipedrive SDK handshake included).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { startStack, type Stack } from './support/servers';
import { authorizeInPopup, installFromPipedriveMarketplace } from './support/flows';

const OLIVIA = 'olivia.northwind@gmail.com';
const NORTHWIND = { companyId: 7401001, admin: 13001 };
let stack: Stack;
let context: BrowserContext;
let page: Page;
let frame: FrameLocator;
const cspViolations: string[] = [];
let forwarded: string | null = null;

beforeAll(async () => {
  stack = await startStack();
  context = await stack.browser.newContext();
  page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (execute|load)/i.test(m.text())) cspViolations.push(m.text());
  });
  frame = await installFromPipedriveMarketplace(page, stack.sandbox.url);
});
afterAll(async () => stack?.close());

const linkedAccounts = async () => {
  const res = await fetch(`${stack.appUrl}/api/embedded/contacts`, {
    headers: { authorization: `Bearer ${stack.sandbox.pipedrive.signIframeToken(NORTHWIND.companyId, NORTHWIND.admin)}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accounts: { email: string }[] }).accounts;
};

describe('S1 the link flow is bound to the browser and CRM user that started it', () => {
  it('S1: the link URL opened in another browser context and consented there attaches no account', async () => {
    await context.route('**/api/connect/**', async (route) => {
      forwarded = route.request().url();
      await route.abort();
    });
    await frame.getByTestId('contacts-email').fill(OLIVIA);
    const popupPromise = context.waitForEvent('page');
    await frame.getByTestId('contacts-connect').click();
    const popup = await popupPromise;
    await expect.poll(() => forwarded, { timeout: 15_000 }).not.toBeNull();
    await popup.close();
    await context.unroute('**/api/connect/**');

    // Someone else, in their own browser, opens the forwarded URL and consents.
    const other = await stack.browser.newContext();
    const victim = await other.newPage();
    await victim.goto(forwarded!);
    await victim.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(async () => victim.getByTestId('connect-done').getAttribute('data-status'), { timeout: 20_000 }).toBe('consented');
    await expect.poll(async () => victim.getByTestId('connect-done-title').getAttribute('data-orphaned'), { timeout: 10_000 }).toBe('true');
    // The one-time code is never in a URL the person could copy and send back.
    expect(new URL(victim.url()).pathname).toBe('/connect/done');
    expect(new URL(victim.url()).searchParams.has('code')).toBe(false);
    await other.close();

    await new Promise((r) => setTimeout(r, 1500));
    expect(await linkedAccounts()).toEqual([]);
  });

  it('S1: the same URL cannot be used again, even by the user who started it', async () => {
    // The other browser spent the ticket: opening the same URL again is refused, whoever does it.
    const res = await fetch(forwarded!, { redirect: 'manual' });
    expect(res.headers.get('location')).toContain('/connect/done?status=expired');
    const forged = await fetch(`${stack.appUrl}/api/connect/google?ticket=forged`, { redirect: 'manual' });
    expect(forged.headers.get('location')).toContain('status=expired');
  });

  it('S1: in the starter’s own popup the consent comes back to the settings page and links the account', async () => {
    await frame.getByTestId('contacts-email').fill(OLIVIA);
    await authorizeInPopup(context, () => frame.getByTestId('contacts-connect').click());
    await expect.poll(async () => frame.getByTestId('linked-email').textContent(), { timeout: 30_000 }).toBe(OLIVIA);
    expect((await linkedAccounts()).map((a) => a.email)).toEqual([OLIVIA]);
  });

  it('S11: our pages carry a nonce CSP and ran without CSP violations', async () => {
    const res = await fetch(`${stack.appUrl}/install/result?crm=pipedrive&outcome=failed`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(html).toContain(`nonce="${nonce}"`);
    expect(cspViolations).toEqual([]);
  });
});
