/**
 * Dropbox files e2e (F1, F3, F5, F9): in Chromium, inside the emulated Pipedrive, a user links Dropbox
 * through the consent popup, presses "Dropbox" on a person's panel, finds the record folder in the emulated
 * Dropbox, adds a file there from another device, presses Refresh and finds the file on the person; a file
 * deleted in Dropbox stays in Pipedrive; renaming the person renames the folder instead of adding a second.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { startStack, type Stack } from './support/servers';
import { authorizeInPopup, installFromPipedriveMarketplace } from './support/flows';
import { recordFolderPath } from '@/lib/sync/files/constants';

const OLIVIA = 'olivia.northwind@gmail.com';
const COMPANY = 7401001;
let stack: Stack;
let context: BrowserContext;
let page: Page;
let frame: FrameLocator;
let settingsUrl: string;
let person: { id: number; name: string };

beforeAll(async () => {
  stack = await startStack();
  context = await stack.browser.newContext();
  page = await context.newPage();
  frame = await installFromPipedriveMarketplace(page, stack.sandbox.url);
  settingsUrl = page.url();
  const p = stack.sandbox.pipedrive.persons(COMPANY).find((x) => !x.is_deleted && x.owner_id === 13001 && x.first_name && x.last_name && x.name)!;
  person = { id: p.id, name: p.name };
});
afterAll(async () => stack?.close());

const folders = () => stack.sandbox.dropbox.entries(OLIVIA).filter((e) => e.kind === 'folder');
const personFolders = () => folders().filter((e) => e.pathDisplay.startsWith('/Persons/') && e.pathDisplay.endsWith(` (${person.id})`));
const personFiles = () => stack.sandbox.pipedrive.getState().files.filter((f) => f.companyId === COMPANY && f.person_id === person.id && f.active_flag);

async function openSettings() {
  await page.goto(settingsUrl);
  frame = page.frameLocator('iframe').first();
  await expect.poll(async () => frame.getByTestId('files-section').count(), { timeout: 20_000 }).toBe(1);
}

/** Presses Refresh on the Dropbox card once the card is idle (the button is disabled while a run is going). */
async function refreshFiles() {
  const refresh = frame.getByTestId('integration-dropbox').getByTestId('refresh');
  await expect.poll(async () => refresh.isEnabled(), { timeout: 60_000 }).toBe(true);
  await refresh.click();
}

describe('Dropbox files inside Pipedrive', () => {
  it('F1: the user links Dropbox through the consent popup and sees the linked account', async () => {
    await expect.poll(async () => frame.getByTestId('link-dropbox').count(), { timeout: 20_000 }).toBe(1);
    await authorizeInPopup(context, () => frame.getByTestId('link-dropbox').click());
    await expect.poll(async () => frame.getByTestId('integration-dropbox').textContent(), { timeout: 30_000 }).toContain(OLIVIA);
    expect(await frame.getByTestId('unlink-dropbox').count()).toBe(1);
    // The popup said "linked" and closed by itself.
    await expect.poll(() => context.pages().length, { timeout: 15_000 }).toBe(1);
  });

  it('F3: pressing Dropbox on a person creates `Persons/<name> (<id>)` in the app folder, even without files', async () => {
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${person.id}`);
    const panel = page.frameLocator('iframe').first();
    await expect.poll(async () => panel.getByTestId('dropbox-button').count(), { timeout: 20_000 }).toBe(1);
    await panel.getByTestId('dropbox-button').click();
    const expected = recordFolderPath('pipedrive', 'persons', person.name, String(person.id));
    await expect.poll(() => personFolders().map((f) => f.pathDisplay), { timeout: 60_000 }).toEqual([expected]);
    await expect.poll(async () => panel.getByTestId('dropbox-status').textContent(), { timeout: 30_000 }).toContain(expected);
  });

  it('F5: a file added in Dropbox reaches the person in Pipedrive after Refresh', async () => {
    const folder = personFolders()[0]!;
    stack.sandbox.dropbox.writeFile(OLIVIA, `${folder.pathDisplay}/Proposal.txt`, Buffer.from('Proposal for the e2e person\n'), 'add');
    await openSettings();
    await refreshFiles();
    await expect.poll(() => personFiles().map((f) => f.name), { timeout: 60_000 }).toContain('Proposal.txt');
    const file = personFiles().find((f) => f.name === 'Proposal.txt')!;
    expect(Buffer.from(file.base64, 'base64').toString()).toBe('Proposal for the e2e person\n');
  });

  it('F5: a file deleted in Dropbox stays in Pipedrive (and is not uploaded back)', async () => {
    const folder = personFolders()[0]!;
    stack.sandbox.dropbox.deleteEntry(OLIVIA, `${folder.pathDisplay}/Proposal.txt`);
    // A second file added with the delete: once it reaches Pipedrive, the run has certainly seen the delete.
    stack.sandbox.dropbox.writeFile(OLIVIA, `${folder.pathDisplay}/Quote.txt`, Buffer.from('Quote\n'), 'add');
    await openSettings();
    await refreshFiles();
    await expect.poll(() => personFiles().map((f) => f.name), { timeout: 60_000 }).toContain('Quote.txt');
    expect(personFiles().map((f) => f.name)).toContain('Proposal.txt');
    // Another run later still neither deletes it in Pipedrive nor brings it back to Dropbox.
    await openSettings();
    await refreshFiles();
    await expect.poll(async () => frame.getByTestId('integration-dropbox').getByTestId('refresh').isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(personFiles().map((f) => f.name)).toContain('Proposal.txt');
    expect(stack.sandbox.dropbox.entry(OLIVIA, `${folder.pathDisplay}/Proposal.txt`)).toBeUndefined();
    expect(stack.sandbox.dropbox.entry(OLIVIA, `${folder.pathDisplay}/Quote.txt`)).toBeDefined();
  });

  it('F9: renaming the person in Pipedrive renames the folder (same folder id, no second folder)', async () => {
    const before = personFolders()[0]!;
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${person.id}`);
    await page.locator('#p-name').fill('Renamed Person');
    await page.locator('#p-first').fill('Renamed');
    await page.locator('#p-last').fill('Person');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await expect.poll(() => stack.sandbox.pipedrive.getPerson(COMPANY, person.id)?.name).toBe('Renamed Person');
    await openSettings();
    await refreshFiles();
    const expected = recordFolderPath('pipedrive', 'persons', 'Renamed Person', String(person.id));
    await expect.poll(() => personFolders().map((f) => f.pathDisplay), { timeout: 60_000 }).toEqual([expected]);
    expect(personFolders()[0]!.id).toBe(before.id);
  });
});
