/**
 * Dropbox files e2e on Teamleader (F1, F2, F3, F5, F9): in Chromium, Lotte installs Synclane from the emulated
 * Teamleader Marketplace, links her Dropbox through the consent popup and picks a contact with the files card's
 * record search (Teamleader has no record panel); Pieter, a second user of Brugge Bikes, does the same in his
 * own browser with his own Dropbox. A file added in Lotte's folder reaches the contact and Pieter's folder; a
 * file deleted in Lotte's Dropbox stays everywhere else; renaming the contact renames the folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startStack, type Stack } from './support/servers';
import { recordFolderPath } from '@/lib/sync/files/constants';

const ACCOUNT = '5b1e2c3d-7a8f-4b6c-9d0e-1f2a3b4c5d6e'; // Brugge Bikes
const PIETER_ID = 'a1d2e3f4-0002-4c5d-8e9f-000000000002';
const LOTTE_DROPBOX = 'lotte.bruggebikes@gmail.com';
const PIETER_DROPBOX = 'pieter.bruggebikes@gmail.com';

type User = { context: BrowserContext; page: Page; dropbox: string };
let stack: Stack;
let lotte: User;
let pieter: User;
let contact: { id: string; name: string };

beforeAll(async () => {
  stack = await startStack();
  const c = stack.sandbox.teamleader.contacts(ACCOUNT).find((x) => x.first_name === 'Marie' && x.last_name === 'Janssens')!;
  contact = { id: c.id, name: `${c.first_name} ${c.last_name}` };
  const open = async (dropbox: string): Promise<User> => {
    const context = await stack.browser.newContext();
    return { context, page: await context.newPage(), dropbox };
  };
  lotte = await open(LOTTE_DROPBOX);
  pieter = await open(PIETER_DROPBOX);
});
afterAll(async () => stack?.close());

const contactFolders = (dropbox: string) =>
  stack.sandbox.dropbox.entries(dropbox).filter((e) => e.kind === 'folder' && e.pathDisplay.startsWith('/Contacts/') && e.pathDisplay.endsWith(` (${contact.id})`));
const contactFiles = () => Object.values(stack.sandbox.teamleader.getState().files).filter((f) => f.account_id === ACCOUNT && f.subject.type === 'contact' && f.subject.id === contact.id);

/** Teamleader → Marketplace → Install → Allow, as the user the sandbox's switcher has signed in. */
async function installFromTeamleaderMarketplace(page: Page) {
  await page.goto(`${stack.sandbox.url}/teamleader/marketplace`);
  await page.getByRole('button', { name: 'Install' }).or(page.getByRole('link', { name: 'Install' })).first().click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(/\/teamleader\/settings/);
  await expect.poll(async () => page.getByTestId('connected-company').textContent(), { timeout: 20_000 }).toContain('Brugge Bikes');
}

/** Links Dropbox: Link → in the consent popup pick this user's Dropbox account → Allow. */
async function linkDropbox(user: User) {
  const { page, context } = user;
  await expect.poll(async () => page.getByTestId('link-dropbox').count(), { timeout: 20_000 }).toBe(1);
  const popupPromise = context.waitForEvent('page');
  await page.getByTestId('link-dropbox').click();
  const popup = await popupPromise;
  await popup.waitForLoadState();
  await popup.locator('label', { hasText: user.dropbox }).locator('input[type=radio]').check();
  await popup.getByRole('button', { name: 'Allow' }).click();
  await expect.poll(async () => page.getByTestId('integration-dropbox').textContent(), { timeout: 30_000 }).toContain(user.dropbox);
  await expect.poll(() => context.pages().length, { timeout: 15_000 }).toBe(1);
}

/** F2 on Teamleader: search the contact by name in the files card and add it. */
async function pickContact(page: Page) {
  const section = page.getByTestId('files-section');
  await section.getByTestId('files-record-search').fill('Janssens');
  const row = section.getByTestId('files-record-results').locator('li', { hasText: contact.name });
  await expect.poll(async () => row.getByTestId('files-record-pick').count(), { timeout: 20_000 }).toBe(1);
  await row.getByTestId('files-record-pick').click();
  await expect.poll(async () => section.getByTestId('files-record-list').textContent(), { timeout: 20_000 }).toContain(contact.name);
}

async function openSettings(page: Page) {
  await page.goto(`${stack.appUrl}/teamleader/settings`);
  await expect.poll(async () => page.getByTestId('files-section').count(), { timeout: 20_000 }).toBe(1);
}

/** Presses Refresh on the Dropbox card once the card is idle (the button is disabled while a run is going). */
async function refreshFiles(page: Page) {
  const refresh = page.getByTestId('integration-dropbox').getByTestId('refresh');
  await expect.poll(async () => refresh.isEnabled(), { timeout: 60_000 }).toBe(true);
  await refresh.click();
}

describe('Dropbox files on Teamleader, two users of one company', () => {
  it('F1/F2/F3: Lotte installs, links her Dropbox, picks the contact by search → `Contacts/<name> (<id>)` in her Dropbox', async () => {
    await installFromTeamleaderMarketplace(lotte.page);
    await linkDropbox(lotte);
    await pickContact(lotte.page);
    const expected = recordFolderPath('teamleader', 'contacts', contact.name, contact.id);
    await expect.poll(() => contactFolders(LOTTE_DROPBOX).map((f) => f.pathDisplay), { timeout: 60_000 }).toEqual([expected]);
  });

  it('F5: Pieter, a second user of the company, links his own Dropbox and syncs the same contact', async () => {
    await pieter.page.goto(`${stack.sandbox.url}/teamleader`);
    await pieter.page.getByLabel('Signed in as').selectOption(PIETER_ID);
    await expect.poll(async () => pieter.page.locator('h1').textContent(), { timeout: 10_000 }).toContain('Pieter');
    await installFromTeamleaderMarketplace(pieter.page);
    await linkDropbox(pieter);
    await pickContact(pieter.page);
    const expected = recordFolderPath('teamleader', 'contacts', contact.name, contact.id);
    await expect.poll(() => contactFolders(PIETER_DROPBOX).map((f) => f.pathDisplay), { timeout: 60_000 }).toEqual([expected]);
  });

  it("F5: a file added in Lotte's Dropbox reaches the contact in Teamleader and Pieter's Dropbox after Refresh", async () => {
    const folder = contactFolders(LOTTE_DROPBOX)[0]!;
    stack.sandbox.dropbox.writeFile(LOTTE_DROPBOX, `${folder.pathDisplay}/Offerte.txt`, Buffer.from('Offerte voor Marie\n'), 'add');
    await openSettings(lotte.page);
    await refreshFiles(lotte.page);
    await expect.poll(() => contactFiles().map((f) => f.name), { timeout: 60_000 }).toContain('Offerte.txt');
    expect(Buffer.from(contactFiles().find((f) => f.name === 'Offerte.txt')!.base64, 'base64').toString()).toBe('Offerte voor Marie\n');
    const pieterFolder = contactFolders(PIETER_DROPBOX)[0]!;
    await expect.poll(() => stack.sandbox.dropbox.entry(PIETER_DROPBOX, `${pieterFolder.pathDisplay}/Offerte.txt`)?.kind, { timeout: 60_000 }).toBe('file');
  });

  it("F5: a file deleted in Lotte's Dropbox stays in Teamleader and in Pieter's Dropbox, and is not uploaded back", async () => {
    const folder = contactFolders(LOTTE_DROPBOX)[0]!;
    const pieterFolder = contactFolders(PIETER_DROPBOX)[0]!;
    stack.sandbox.dropbox.deleteEntry(LOTTE_DROPBOX, `${folder.pathDisplay}/Offerte.txt`);
    // A second file added with the delete: once it reaches Teamleader, the run has certainly seen the delete.
    stack.sandbox.dropbox.writeFile(LOTTE_DROPBOX, `${folder.pathDisplay}/Factuur.txt`, Buffer.from('Factuur\n'), 'add');
    await openSettings(lotte.page);
    await refreshFiles(lotte.page);
    await expect.poll(() => contactFiles().map((f) => f.name), { timeout: 60_000 }).toContain('Factuur.txt');
    expect(contactFiles().map((f) => f.name)).toContain('Offerte.txt');
    await expect.poll(() => stack.sandbox.dropbox.entry(PIETER_DROPBOX, `${pieterFolder.pathDisplay}/Factuur.txt`)?.kind, { timeout: 60_000 }).toBe('file');
    // Another run later still neither deletes it anywhere nor brings it back to Lotte's Dropbox.
    await openSettings(lotte.page);
    await refreshFiles(lotte.page);
    await expect.poll(async () => lotte.page.getByTestId('integration-dropbox').getByTestId('refresh').isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(contactFiles().map((f) => f.name)).toContain('Offerte.txt');
    expect(stack.sandbox.dropbox.entry(PIETER_DROPBOX, `${pieterFolder.pathDisplay}/Offerte.txt`)).toBeDefined();
    expect(stack.sandbox.dropbox.entry(LOTTE_DROPBOX, `${folder.pathDisplay}/Offerte.txt`)).toBeUndefined();
    expect(stack.sandbox.dropbox.entry(LOTTE_DROPBOX, `${folder.pathDisplay}/Factuur.txt`)).toBeDefined();
  });

  it('F9: renaming the contact in Teamleader renames the folder after Refresh (same folder id, no second folder)', async () => {
    const before = contactFolders(LOTTE_DROPBOX)[0]!;
    stack.sandbox.teamleader.updateContact(ACCOUNT, contact.id, { first_name: 'Maria', last_name: 'Janssens-Peeters' });
    await openSettings(lotte.page);
    await refreshFiles(lotte.page);
    const expected = recordFolderPath('teamleader', 'contacts', 'Maria Janssens-Peeters', contact.id);
    await expect.poll(() => contactFolders(LOTTE_DROPBOX).map((f) => f.pathDisplay), { timeout: 60_000 }).toEqual([expected]);
    expect(contactFolders(LOTTE_DROPBOX)[0]!.id).toBe(before.id);
    // Pieter's own copy follows on his next run, also renamed in place.
    const pieterBefore = contactFolders(PIETER_DROPBOX)[0]!;
    await openSettings(pieter.page);
    await refreshFiles(pieter.page);
    await expect.poll(() => contactFolders(PIETER_DROPBOX).map((f) => f.pathDisplay), { timeout: 60_000 }).toEqual([expected]);
    expect(contactFolders(PIETER_DROPBOX)[0]!.id).toBe(pieterBefore.id);
  });
});
