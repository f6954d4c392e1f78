/** Test and reviewer controls under `/dropbox-sign/_admin` (never faulted or rate limited). */
import { json, readJson, type Router } from '../lib/http';
import type { FaultRule } from '../lib/faults';
import type { DropboxSignEmulator } from './emulator-types';
import type { SignConfig } from './sign-state';

export function registerAdminApi(router: Router, emulator: DropboxSignEmulator): void {
  router.get('/_admin', () => json(200, emulator.summary()));
  router.get('/_admin/faults', () => json(200, { faults: emulator.faults.list() }));
  router.post('/_admin/faults', (req) => {
    const rule = readJson<FaultRule>(req);
    if (!rule || typeof rule.status !== 'number') return json(400, { error: 'bad_request', message: 'A fault rule needs at least a numeric status.' });
    return json(201, { id: emulator.faults.add(rule) });
  });
  router.delete('/_admin/faults', () => {
    emulator.faults.clear();
    return json(200, { ok: true });
  });
  router.post('/_admin/config', (req) => json(200, { config: emulator.config(readJson<Partial<SignConfig>>(req) ?? {}) }));
  router.post('/_admin/reset', () => {
    emulator.reset();
    return json(200, { ok: true });
  });
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
