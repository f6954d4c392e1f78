/** Test and reviewer controls under `/dropbox-sign/_admin` (never faulted or rate limited). */
import { json, readJson, type Router } from '../lib/http';
import { registerCommonAdminRoutes } from '../lib/admin-routes';
import type { DropboxSignEmulator } from './emulator-types';
import type { SignConfig } from './sign-state';

export function registerAdminApi(router: Router, emulator: DropboxSignEmulator): void {
  registerCommonAdminRoutes<SignConfig>(router, emulator);
  router.get('/_admin/callbacks', () => json(200, { deliveries: emulator.callbacks.deliveries }));
  router.post('/_admin/callbacks/retry-due', async () => {
    await emulator.callbacks.runDueRetries();
    return json(200, { ok: true });
  });
  router.post('/_admin/expire-access-tokens', () => {
    emulator.expireAccessTokens();
    return json(200, { ok: true });
  });
  router.post('/_admin/accounts/:email/callback-test', (req) => {
    emulator.store.callbackTest(emulator.account(req.params.email));
    return json(200, { ok: true });
  });
  router.post('/_admin/accounts/:email/revoke', (req) => json(200, { revokedGrants: emulator.revokeAll(req.params.email) }));
  router.post('/_admin/requests/:id/sign', (req) => {
    const { email } = readJson<{ email?: string }>(req) ?? {};
    return json(200, { id: emulator.sign(req.params.id, email ?? '').id });
  });
  router.post('/_admin/requests/:id/decline', (req) => {
    const { email, reason } = readJson<{ email?: string; reason?: string }>(req) ?? {};
    return json(200, { id: emulator.decline(req.params.id, email ?? '', reason ?? '').id });
  });
}
