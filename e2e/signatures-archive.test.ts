/**
 * Dropbox Sign archive e2e (S1, S2, S4, S5, B7): in Chromium, inside the emulated Pipedrive, a user links Dropbox
 * (Files card) and Dropbox Sign (consent popup), activates the archive, uploads a contract on a person in
 * Pipedrive, sends it for signature from our record panel, the signer signs in the emulated Dropbox Sign web
 * UI, and after Refresh the signed PDF is in `Signature requested` in the user's Dropbox and on the person; then,
 * as the Dropbox Sign team admin, she turns on the team archive (S4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { startStack, type Stack } from './support/servers';
import { authorizeInPopup, installFromPipedriveMarketplace } from './support/flows';
import { buildPdf } from '@/sandbox/dropbox-sign/pdf';
import { en } from '@/lib/i18n/en';

const OLIVIA_DROPBOX = 'olivia.northwind@gmail.com';
const OLIVIA_SIGN = 'olivia.admin@northwind.example';
const SIGNER = { name: 'Ada Lovelace', email: 'ada@contoso.example' };
const COMPANY = 7401001;
const TITLE = 'E2E service agreement';
let stack: Stack;
let context: BrowserContext;
let page: Page;
let frame: FrameLocator;
let settingsUrl: string;
let personId: number;

beforeAll(async () => {
  stack = await startStack();
  context = await stack.browser.newContext();
  page = await context.newPage();
  frame = await installFromPipedriveMarketplace(page, stack.sandbox.url);
  settingsUrl = page.url();
  personId = stack.sandbox.pipedrive.persons(COMPANY).find((p) => !p.is_deleted && p.owner_id === 13001 && p.name)!.id;
});
afterAll(async () => stack?.close());

const card = () => frame.getByTestId('integration-dropbox-sign');
const personFiles = () => stack.sandbox.pipedrive.getState().files.filter((f) => f.companyId === COMPANY && f.person_id === personId && f.active_flag);
const archived = () => stack.sandbox.dropbox.entries(OLIVIA_DROPBOX).filter((e) => e.kind === 'file' && e.pathDisplay.toLowerCase().endsWith('.pdf'));

async function openSettings() {
  await page.goto(settingsUrl);
  frame = page.frameLocator('iframe').first();
  await expect.poll(async () => card().getByTestId('signatures-section').count(), { timeout: 20_000 }).toBe(1);
}

describe('Dropbox Sign archive inside Pipedrive', () => {
  it('S1: link Dropbox Sign through its consent popup, then Dropbox, then activate the archive', async () => {
    await openSettings();
    const popupPromise = context.waitForEvent('page');
    await card().getByTestId('link-sign').click();
    const popup = await popupPromise;
    await popup.waitForLoadState();
    await popup.locator(`input[name=account][value="${OLIVIA_SIGN}"]`).check();
    await popup.getByRole('button', { name: 'Accept' }).click();
    // The popup says the account is linked and closes by itself; the card then shows the account.
    await popup.waitForEvent('close', { timeout: 15_000 });
    await expect.poll(async () => card().getByTestId('sign-account').textContent(), { timeout: 30_000 }).toContain(OLIVIA_SIGN);
    // Without a Dropbox the archive cannot start: the card says so and offers no Activate.
    expect(await card().getByTestId('dropbox-account').count()).toBe(0);
    expect(await card().getByTestId('activate-archive').count()).toBe(0);

    await authorizeInPopup(context, () => frame.getByTestId('link-dropbox').click());
    await expect.poll(async () => frame.getByTestId('integration-dropbox').textContent(), { timeout: 30_000 }).toContain(OLIVIA_DROPBOX);
    await openSettings();
    await expect.poll(async () => card().getByTestId('dropbox-account').textContent(), { timeout: 20_000 }).toContain(OLIVIA_DROPBOX);
    await card().getByTestId('activate-archive').click();
    await expect.poll(async () => card().getByTestId('refresh').count(), { timeout: 30_000 }).toBe(1);
    expect(await card().getByTestId('activate-archive').count()).toBe(0);
  });

  it('S5: a contract uploaded on the person is sent for signature from our record panel', async () => {
    await page.goto(`${stack.sandbox.url}/pipedrive/person/${personId}`);
    await page.locator('#file-upload').setInputFiles({ name: 'Service agreement.pdf', mimeType: 'application/pdf', buffer: buildPdf(['Service agreement', 'Northwind Traders and Ada Lovelace']) });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect.poll(() => personFiles().map((f) => f.name)).toContain('Service agreement.pdf');

    await page.goto(`${stack.sandbox.url}/pipedrive/person/${personId}`);
    const panel = page.frameLocator('iframe').first();
    await expect.poll(async () => panel.getByTestId('send-for-signature').count(), { timeout: 20_000 }).toBe(1);
    const send = panel.getByTestId('send-for-signature');
    await send.locator('summary').click();
    // S5: the Dropbox picker opens (the person's Dropbox folder or Synclane's folder); then back to the record's files.
    await expect.poll(async () => send.getByTestId('pick-dropbox-file').count(), { timeout: 20_000 }).toBe(1);
    await send.getByTestId('pick-dropbox-file').click();
    await expect.poll(async () => send.getByTestId('picker-path').count(), { timeout: 20_000 }).toBe(1);
    await send.getByTestId('pick-record-file').click();
    await expect.poll(async () => send.locator('select option').count(), { timeout: 20_000 }).toBeGreaterThan(1);
    await send.locator('select').selectOption({ label: 'Service agreement.pdf' });
    await send.locator('input').nth(0).fill(TITLE);
    await send.locator('input').nth(1).fill(SIGNER.name);
    await send.locator('input').nth(2).fill(SIGNER.email);
    await send.locator('button[type=submit]').click();
    await expect.poll(async () => send.locator('[role=status], [role=alert]').allTextContents(), { timeout: 30_000 }).toEqual([en.signatures.sendDone]);
    const sent = Object.values(stack.sandbox.dropboxSign.getState().requests).find((r) => r.title === TITLE);
    expect(sent?.requesterEmail).toBe(OLIVIA_SIGN);
    expect(sent?.signers.map((s) => s.email)).toEqual([SIGNER.email]);
  });

  it('S2/B7: the signer signs in Dropbox Sign; after Refresh the signed PDF is in `Signature requested` and on the person', async () => {
    await page.goto(`${stack.sandbox.url}/dropbox-sign/app/${encodeURIComponent(SIGNER.email)}`);
    await page.getByRole('link', { name: TITLE }).first().click();
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect.poll(async () => page.textContent('body')).toContain('signed');

    await openSettings();
    // The signed files are being prepared for a few seconds after the signature (409): press Refresh until
    // the run files the document, as a user would; a callback may also have started a run on its own.
    await expect
      .poll(
        async () => {
          const refresh = card().getByTestId('refresh');
          if (await refresh.isEnabled().catch(() => false)) await refresh.click();
          return archived().map((e) => e.pathDisplay);
        },
        { timeout: 90_000, interval: 5_000 },
      )
      .toEqual(expect.arrayContaining([expect.stringMatching(/\/Signature requested\/[^/]*E2E service agreement[^/]*\.pdf$/)]));
    const signed = archived().find((e) => e.pathDisplay.includes('/Signature requested/'))!;
    const bytes = stack.sandbox.dropbox.fileBytes(OLIVIA_DROPBOX, signed.id);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.toString('latin1')).toContain('Signed by Ada Lovelace');
    // B7: filed on the person it was sent from, next to the original.
    await expect.poll(() => personFiles().filter((f) => f.name !== 'Service agreement.pdf' && /E2E service agreement/.test(f.name)).length, { timeout: 60_000 }).toBe(1);
    const onPerson = personFiles().find((f) => /E2E service agreement/.test(f.name))!;
    expect(Buffer.from(onPerson.base64, 'base64').toString('latin1')).toContain('Signed by Ada Lovelace');
  });

  it('S4: the team admin archives the whole team from the card; the card says Synclane cannot share the team folder', async () => {
    await openSettings();
    const team = () => card().getByTestId('team-archive');
    await expect.poll(async () => team().count(), { timeout: 20_000 }).toBe(1);
    await team().getByTestId('activate-team-archive').click();
    // Wait until the activation was answered (the card turns into the archive's card) before reloading the page:
    // a reload right after the click could cancel the request before it left the iframe.
    await expect.poll(async () => team().getByTestId('unlink-team-archive').count(), { timeout: 30_000 }).toBe(1);
    // The in-process scheduler runs the new archive; reopen the settings until its first run recorded Dropbox's answer.
    await expect
      .poll(
        async () => {
          await openSettings();
          return team().getByTestId('team-share-refused').count();
        },
        { timeout: 90_000, interval: 5_000 },
      )
      .toBe(1);
    expect(await team().getByTestId('team-share-refused').textContent()).toContain('app-folder');
    // Retroactive: the demo team's documents from before today are in the team folder.
    expect(stack.sandbox.dropbox.entries(OLIVIA_DROPBOX).some((e) => e.kind === 'file' && e.pathDisplay.startsWith('/Dropbox Sign (team)/Northwind Traders/'))).toBe(true);
  });
});
