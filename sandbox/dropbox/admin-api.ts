/**
 * Test and reviewer controls under `/dropbox/_admin` (never faulted or throttled): fault rules, config,
 * token expiry/revocation, cursor resets, rate-limit shortcuts, writes "from another device", the
 * webhook URI (verified with the challenge) and its delivery log.
 */
import { json, readJson, type Router } from '../lib/http';
import { registerCommonAdminRoutes } from '../lib/admin-routes';
import type { DropboxEmulator } from './emulator-types';
import type { DropboxConfig } from './dropbox-state';

export function registerAdminApi(router: Router, emulator: DropboxEmulator): void {
  registerCommonAdminRoutes<DropboxConfig>(router, emulator);
  router.post('/_admin/rate-limit', (req) => {
    const body = readJson<{ reason?: 'too_many_requests' | 'too_many_write_operations'; path?: string; times?: number; retryAfterSeconds?: number }>(req) ?? {};
    const id = emulator.rateLimit(body.reason ?? 'too_many_requests', { path: body.path, times: body.times, retryAfterSeconds: body.retryAfterSeconds });
    return json(201, { id });
  });
  router.post('/_admin/expire-access-tokens', () => {
    emulator.expireAccessTokens();
    return json(200, { ok: true });
  });
  router.post('/_admin/accounts/:account/revoke', (req) => json(200, { revokedRefreshTokens: emulator.unlink(req.params.account) }));
  router.post('/_admin/accounts/:account/reset-cursors', (req) => {
    emulator.resetCursors(req.params.account);
    return json(200, { ok: true });
  });
  router.post('/_admin/accounts/:account/files', (req) => {
    const body = readJson<{ path?: string; text?: string; base64?: string; mode?: 'add' | 'overwrite' }>(req) ?? {};
    if (!body.path) return json(400, { error: 'bad_request', message: 'Body must be {"path": "/…", "text" | "base64": …}.' });
    const bytes = body.base64 !== undefined ? Buffer.from(body.base64, 'base64') : Buffer.from(body.text ?? '', 'utf8');
    return json(200, emulator.writeFile(req.params.account, body.path, bytes, body.mode ?? 'overwrite'));
  });
  router.get('/_admin/webhook', () => json(200, { url: emulator.webhookUrl(), deliveries: emulator.webhookDeliveries() }));
  router.post('/_admin/webhook', async (req) => {
    const { url } = readJson<{ url?: string }>(req) ?? {};
    if (!url) return json(400, { error: 'bad_request', message: 'Body must be {"url": "https://…"}.' });
    const result = await emulator.registerWebhook(url);
    return json(result.ok ? 200 : 400, result);
  });
}
