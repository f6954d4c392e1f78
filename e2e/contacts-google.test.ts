/**
 * Contacts I e2e (C1, B2, C14, C15, C12): in Chromium, inside the emulated Pipedrive, a user links Google
 * through the real Auth.js flow (popup → emulated Google consent), previews, starts the export, watches the
 * dashboard, edits a person in the CRM, presses Refresh and finds the change in Google Contacts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { startStack, type Stack } from './support/servers';
import { authorizeInPopup, installFromPipedriveMarketplace } from './support/flows';
import { CLIENT_DATA_KEY } from '@/lib/sync/contacts/constants';
import type { people_v1 } from '@googleapis/people';

const OLIVIA = 'olivia.northwind@gmail.com';
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

type GPerson = people_v1.Schema$Person;
const exportedContacts = (): GPerson[] => {
  const group = stack.sandbox.google.groups(OLIVIA).find((g) => g.name === 'Pipedrive');
  if (!group) return [];
  return (stack.sandbox.google.contacts(OLIVIA) as unknown as GPerson[]).filter((p) =>
    (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === group.resourceName),
  );
};

describe('Google Contacts export inside Pipedrive', () => {
  it('C1: the user enters the e-mail, authorizes in a popup and sees the linked address', async () => {
    await frame.getByTestId('contacts-email').fill(OLIVIA);
    await authorizeInPopup(context, () => frame.getByTestId('contacts-connect').click());
    await expect.poll(async () => frame.getByTestId('linked-email').textContent(), { timeout: 30_000 }).toBe(OLIVIA);
  });

  it('B2: Preview shows how many persons will be exported and why others are skipped', async () => {
    await frame.getByTestId('preview-button').click();
    await expect.poll(async () => frame.getByTestId('preview-to-export').textContent(), { timeout: 20_000 }).toMatch(/^\d+$/);
    const toExport = Number(await frame.getByTestId('preview-to-export').textContent());
    expect(toExport).toBeGreaterThan(0);
    expect(await frame.getByTestId('preview-result').textContent()).toContain('skipped');
    expect(exportedContacts().length).toBe(0); // nothing written by a preview
  });

  it('C14: Start sync turns the page into a dashboard with the contacts in sync', async () => {
    const toExport = Number(await frame.getByTestId('preview-to-export').textContent());
    await frame.getByTestId('start-sync').click();
    await expect.poll(async () => frame.getByTestId('in-sync-count').textContent(), { timeout: 60_000 }).toBe(String(toExport));
    await expect.poll(async () => frame.getByTestId('dashboard').getAttribute('data-running'), { timeout: 30_000 }).toBe('false');
    expect(exportedContacts().length).toBe(toExport);
    // B4: skipped persons are listed with their reason.
    expect(await frame.getByTestId('skipped-list').textContent()).toMatch(/Missing|No phone/);
    if (process.env.E2E_SCREENSHOTS) await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/dashboard.png`, fullPage: true });
  });

  it('C15: after editing a person in Pipedrive, Refresh brings the change to Google', async () => {
    const person = stack.sandbox.pipedrive
      .persons(7401001)
      .find((p) => !p.is_deleted && p.owner_id === 13001 && p.first_name && p.last_name && (p.emails.length || p.phones.length))!;
    const settingsUrl = page.url();
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${person.id}`);
    await page.locator('#p-last').fill('Vanderbilt-Refreshed');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await expect.poll(() => stack.sandbox.pipedrive.getPerson(7401001, person.id)?.last_name).toBe('Vanderbilt-Refreshed');
    await page.goto(settingsUrl);
    frame = page.frameLocator('iframe').first();
    await frame.getByTestId('refresh').click();
    await expect
      .poll(
        () => exportedContacts().find((c) => c.clientData?.some((d) => d.key === CLIENT_DATA_KEY && d.value?.endsWith(`:${person.id}`)))?.names?.[0]?.familyName,
        { timeout: 60_000 },
      )
      .toBe('Vanderbilt-Refreshed');
    await expect.poll(async () => frame.getByTestId('count-updated').textContent(), { timeout: 30_000 }).toBe('1');
    if (process.env.E2E_SCREENSHOTS) {
      await page.getByRole('button', { name: /dark|theme/i }).first().click();
      await page.waitForTimeout(500);
      await page.screenshot({ path: `${process.env.E2E_SCREENSHOTS}/dashboard-dark.png`, fullPage: true });
    }
  });

  it('B1: with the Pipedrive webhook, an edit reaches Google without pressing Refresh', async () => {
    expect(await frame.getByTestId('instant-updates').textContent()).toContain('Instant updates on');
    const person = stack.sandbox.pipedrive
      .persons(7401001)
      .filter((p) => !p.is_deleted && p.owner_id === 13001 && p.first_name && p.last_name && (p.emails.length || p.phones.length))
      .at(-1)!;
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${person.id}`);
    await page.locator('#p-last').fill('Instant-Update');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await expect
      .poll(
        () => exportedContacts().find((c) => c.clientData?.some((d) => d.key === CLIENT_DATA_KEY && d.value?.endsWith(`:${person.id}`)))?.names?.[0]?.familyName,
        { timeout: 30_000 },
      )
      .toBe('Instant-Update');
  });
});
