/**
 * Test and reviewer controls under `/microsoft/_admin` (never faulted or throttled).
 */
import { json, readJson, type Router } from '../lib/http';
import { registerCommonAdminRoutes } from '../lib/admin-routes';
import type { MicrosoftEmulator } from './emulator-types';
import type { MicrosoftConfig } from './microsoft-state';

export function registerAdminApi(router: Router, emulator: MicrosoftEmulator): void {
  registerCommonAdminRoutes<MicrosoftConfig>(router, emulator);
  router.post('/_admin/expire-access-tokens', () => {
    emulator.expireAccessTokens();
    return json(200, { ok: true });
  });
  router.post('/_admin/accounts/:email/revoke', (req) => json(200, { revokedRefreshTokens: emulator.revokeAll(req.params.email) }));
  router.post('/_admin/accounts/:email/invalidate-delta', (req) => {
    emulator.invalidateDeltaTokens(req.params.email);
    return json(200, { ok: true });
  });
  router.get('/_admin/subscriptions', () => json(200, { value: emulator.subscriptions(), deliveries: emulator.notificationLog().slice(-50) }));
  router.post('/_admin/subscriptions/:id/lifecycle', async (req) => {
    const { event } = readJson<{ event?: string }>(req) ?? {};
    if (event !== 'reauthorizationRequired' && event !== 'subscriptionRemoved' && event !== 'missed')
      return json(400, { error: 'bad_request', message: 'Body must be {"event": "reauthorizationRequired" | "subscriptionRemoved" | "missed"}.' });
    return (await emulator.sendLifecycleNotification(req.params.id, event)) ? json(200, { ok: true }) : json(404, { error: 'not_found', message: 'No such subscription (or it has no lifecycle URL).' });
  });
  router.post('/_admin/subscriptions/:id/expire', (req) => (emulator.expireSubscription(req.params.id) ? json(200, { ok: true }) : json(404, { error: 'not_found', message: 'No such subscription.' })));
  router.get('/_admin/accounts/:email/request-counts', (req) => json(200, emulator.requestCounts(req.params.email)));
  router.post('/_admin/accounts/:email/contacts/:id/move', (req) => {
    const { folderId } = readJson<{ folderId?: string }>(req) ?? {};
    if (!folderId) return json(400, { error: 'bad_request', message: 'Body must be {"folderId": "…"}.' });
    const contact = emulator.moveContact(req.params.email, req.params.id, folderId);
    return json(200, { id: contact.regularId, immutableId: contact.immutableId, parentFolderId: contact.folderId });
  });
  router.post('/_admin/accounts/:email/generate', (req) => {
    const { folderId, count } = readJson<{ folderId?: string; count?: number }>(req) ?? {};
    const created = emulator.generateContacts(req.params.email, folderId, Number(count ?? 100));
    return json(200, { created });
  });
}
