/**
 * Contacts II e2e (C1, C3, C4, C14, C15): inside the emulated Pipedrive, a user links Microsoft (real Auth.js
 * Entra flow against the emulated identity platform) and Google, sets up provider → CRM and two-way syncs with a
 * chosen group, starts them, changes a contact in the provider, presses Refresh and finds the change in the CRM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { startStack, type Stack } from './support/servers';
import { authorizeInPopup, installFromPipedriveMarketplace } from './support/flows';
import type { people_v1 } from '@googleapis/people';

const OUTLOOK = 'olivia.northwind@outlook.com';
const GMAIL = 'olivia.northwind@gmail.com';
const COMPANY = 7401001;
let stack: Stack;
let context: BrowserContext;
let page: Page;
let frame: FrameLocator;

beforeAll(async () => {
  stack = await startStack();
  context = await stack.browser.newContext();
  page = await context.newPage();
  frame = await installFromPipedriveMarketplace(page, stack.sandbox.url);
});
afterAll(async () => stack?.close());

async function link(provider: 'google' | 'microsoft', email: string) {
  await frame.getByTestId('contacts-provider').selectOption(provider);
  await frame.getByTestId('contacts-email').fill(email);
  const popupPromise = context.waitForEvent('page');
  await frame.getByTestId('contacts-connect').click();
  const popup = await popupPromise;
  await popup.waitForLoadState();
  await popup.getByRole('button', { name: 'Allow' }).click();
  await popup.waitForEvent('close', { timeout: 15_000 }).catch(async () => {
    throw new Error(`link popup did not close: ${popup.url()}\n${(await popup.textContent('body').catch(() => ''))?.slice(0, 600)}\n${stack.logs.join('').slice(-2000)}`);
  });
  await expect.poll(async () => frame.getByTestId(`account-${provider}`).count(), { timeout: 30_000 }).toBe(1);
}

async function setUp(provider: 'google' | 'microsoft', direction: 'provider_to_crm' | 'two_way', groupName: string) {
  const setup = frame.getByTestId(`account-${provider}`).locator('xpath=..').getByTestId('sync-setup');
  await setup.getByTestId('direction').selectOption(direction);
  await expect.poll(async () => setup.getByTestId('group').locator('option').count(), { timeout: 20_000 }).toBeGreaterThan(1);
  const option = setup.getByTestId('group').locator('option', { hasText: groupName }).first();
  await setup.getByTestId('group').selectOption((await option.getAttribute('value'))!);
  await setup.getByTestId('start-sync').click();
}

// C6: no cross-user dedupe, so a demo CRM person may share the e-mail; look at every person with it.
const personsByEmail = (email: string) =>
  stack.sandbox.pipedrive.persons(COMPANY).filter((p) => !p.is_deleted && p.emails.some((e) => e.value.toLowerCase() === email.toLowerCase()));
const personByEmail = (email: string) => personsByEmail(email).at(-1);

describe('Microsoft Outlook → Pipedrive (one-way)', () => {
  it('C1/C3/C14: link Outlook, choose the Clients folder, start: its contacts arrive in Pipedrive', async () => {
    await link('microsoft', OUTLOOK);
    await setUp('microsoft', 'provider_to_crm', 'Clients');
    const clients = stack.sandbox.microsoft.folders(OUTLOOK).find((f) => f.displayName === 'Clients')!;
    const contacts = stack.sandbox.microsoft.contacts(OUTLOOK, clients.id);
    const email = (contacts[0]!.fields.emailAddresses as { address: string }[])[0]!.address;
    await expect.poll(() => personByEmail(email)?.name, { timeout: 60_000 }).toBeTruthy();
    const family = stack.sandbox.microsoft.folders(OUTLOOK).find((f) => f.displayName === 'Family')!;
    for (const c of stack.sandbox.microsoft.contacts(OUTLOOK, family.id)) {
      const addr = (c.fields.emailAddresses as { address: string }[] | undefined)?.[0]?.address;
      if (addr) expect(personByEmail(addr)).toBeUndefined(); // C3: Family stays out
    }
  });

  it('C4/C15: a contact changed in Outlook reaches Pipedrive after Refresh', async () => {
    const clients = stack.sandbox.microsoft.folders(OUTLOOK).find((f) => f.displayName === 'Clients')!;
    const contact = stack.sandbox.microsoft.contacts(OUTLOOK, clients.id)[0]!;
    const email = (contact.fields.emailAddresses as { address: string }[])[0]!.address;
    await expect.poll(async () => frame.locator('[data-testid="dashboard"][data-running="false"]').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    stack.sandbox.microsoft.updateContact(OUTLOOK, contact.immutableId, { surname: 'Outlook-Edited' });
    const dashboard = frame.getByTestId('dashboard').filter({ hasText: 'Microsoft Outlook → Pipedrive' });
    await dashboard.getByTestId('refresh').click();
    await expect.poll(() => personsByEmail(email).some((p) => p.last_name === 'Outlook-Edited'), { timeout: 60_000 }).toBe(true);
  });
});

describe('Google ↔ Pipedrive (two-way)', () => {
  it('C4: two-way with the Google "Clients" group: a Google edit reaches Pipedrive after Refresh', async () => {
    await link('google', GMAIL);
    await setUp('google', 'two_way', 'Clients');
    const group = stack.sandbox.google.groups(GMAIL).find((g) => g.name === 'Clients')!;
    const member = (stack.sandbox.google.contacts(GMAIL) as unknown as people_v1.Schema$Person[])
      .find((p) => (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === group.resourceName) && (p.emailAddresses ?? []).length)!;
    const email = member.emailAddresses![0]!.value!;
    await expect.poll(() => personByEmail(email)?.name, { timeout: 60_000 }).toBeTruthy();
    await expect.poll(async () => frame.locator('[data-testid="dashboard"][data-running="true"]').count(), { timeout: 60_000 }).toBe(0);
    stack.sandbox.google.updateContact(GMAIL, member.resourceName!, { names: [{ givenName: member.names?.[0]?.givenName ?? 'X', familyName: 'Google-Edited' }] });
    const dashboard = frame.getByTestId('dashboard').filter({ hasText: 'Google Contacts ⇄ Pipedrive' });
    await dashboard.getByTestId('refresh').click();
    await expect.poll(() => personsByEmail(email).some((p) => p.last_name === 'Google-Edited'), { timeout: 60_000 }).toBe(true);
  });
});
