/** What a person does in the sandbox CRMs, shared by the e2e tests. */
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';

/** Pipedrive → Marketplace → Install → Allow; ends on the app-settings page hosting our iframe. */
export async function installFromPipedriveMarketplace(page: Page, sandboxUrl: string): Promise<FrameLocator> {
  await page.goto(`${sandboxUrl}/pipedrive/settings/marketplace`);
  await page.getByRole('button', { name: 'Install' }).or(page.getByRole('link', { name: 'Install' })).first().click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(/app-settings/);
  return page.frameLocator('iframe').first();
}

/** Clicks Connect in the settings and presses Allow in the provider's consent popup. */
export async function authorizeInPopup(context: BrowserContext, clickConnect: () => Promise<void>): Promise<void> {
  const popupPromise = context.waitForEvent('page');
  await clickConnect();
  const popup = await popupPromise;
  await popup.waitForLoadState();
  await popup.getByRole('button', { name: 'Allow' }).click();
}
