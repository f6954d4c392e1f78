/** `/api/v1/webhooks` (reference §3.8): the app's own webhooks; admin only (scope `admin`); 40 per user. */
import { readForm, json } from '../lib/http';
import { ApiRoutes, idParam, type ApiCaller } from './api-context';
import type { EmulatorDeps } from './emulator-deps';
import { ApiFailure } from './store';
import type { Webhook } from './types';
import { ok, v1Time } from './wire-format';

const WEBHOOK_LIMIT_PER_USER = 40;
const V2_ACTIONS = ['create', 'change', 'delete', '*'];
const V1_ACTIONS = ['added', 'updated', 'merged', 'deleted', '*'];
const OBJECTS = ['activity', 'deal', 'lead', 'note', 'organization', 'person', 'pipeline', 'product', 'stage', 'user', '*'];

export function serializeWebhook(w: Webhook): Record<string, unknown> {
  return {
    id: w.id,
    company_id: w.companyId,
    owner_id: w.ownerId,
    user_id: w.userId,
    event_action: w.event_action,
    event_object: w.event_object,
    subscription_url: w.subscription_url,
    version: w.version,
    is_active: 1,
    add_time: v1Time(w.add_time),
    remove_time: null,
    type: 'application',
    http_auth_user: w.http_auth_user,
    http_auth_password: w.http_auth_password,
    remove_reason: null,
    last_delivery_time: w.last_delivery_time === null ? null : v1Time(w.last_delivery_time),
    last_http_status: w.last_http_status,
    admin_id: w.ownerId,
    name: w.name,
  };
}

export function registerWebhookRoutes(api: ApiRoutes, { store, ctx }: EmulatorDeps): void {
  const requireAdmin = (caller: ApiCaller) => {
    if (!caller.user.isAdmin) throw new ApiFailure(403, 'You do not have permissions to do this.');
  };
  const mine = (caller: ApiCaller) => store.state.webhooks.filter((w) => w.companyId === caller.company.id && w.ownerId === caller.user.id);

  api.add('POST', '/api/v1/webhooks', (req, caller) => {
    requireAdmin(caller);
    const isForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const body: Record<string, unknown> = isForm ? Object.fromEntries(readForm(req)) : JSON.parse(req.body.toString('utf8') || '{}');
    const version = body.version === undefined ? '2.0' : String(body.version);
    const errors: Record<string, string[]> = {};
    const url = typeof body.subscription_url === 'string' ? body.subscription_url : '';
    if (!/^https?:\/\//.test(url)) errors.subscription_url = ['invalid or non-reachable URL'];
    if (version !== '1.0' && version !== '2.0') errors.version = ['must be 1.0 or 2.0'];
    const actions = version === '1.0' ? V1_ACTIONS : V2_ACTIONS;
    if (!actions.includes(String(body.event_action))) errors.event_action = [`must be one of ${actions.join(', ')}`];
    if (!OBJECTS.includes(String(body.event_object))) errors.event_object = [`must be one of ${OBJECTS.join(', ')}`];
    const userId = body.user_id === undefined ? caller.user.id : Number(body.user_id);
    if (!store.user(userId) || store.user(userId)!.companyId !== caller.company.id) errors.user_id = ['user not found'];
    if (Object.keys(errors).length) return json(400, { status: 'error', success: false, errors });
    if (mine(caller).length >= WEBHOOK_LIMIT_PER_USER) throw new ApiFailure(422, 'Webhooks limit reached (40 per user).');
    const webhook: Webhook = {
      id: store.state.nextIds.webhook++,
      companyId: caller.company.id,
      ownerId: caller.user.id,
      clientId: ctx.app.pipedrive.clientId,
      userId,
      event_action: String(body.event_action),
      event_object: String(body.event_object),
      subscription_url: url,
      version: version as Webhook['version'],
      name: typeof body.name === 'string' ? body.name.slice(0, 255) : `${body.event_action}.${body.event_object}`,
      http_auth_user: typeof body.http_auth_user === 'string' ? body.http_auth_user : null,
      http_auth_password: typeof body.http_auth_password === 'string' ? body.http_auth_password : null,
      add_time: store.now(),
      last_delivery_time: null,
      last_http_status: null,
    };
    store.state.webhooks.push(webhook);
    return json(201, { status: 'ok', success: true, data: serializeWebhook(webhook) });
  });

  api.add('GET', '/api/v1/webhooks', (_req, caller) => {
    requireAdmin(caller);
    return json(200, { status: 'ok', success: true, data: mine(caller).map(serializeWebhook) });
  });

  api.add('DELETE', '/api/v1/webhooks/:id', (req, caller) => {
    requireAdmin(caller);
    const id = idParam(req);
    if (!mine(caller).some((w) => w.id === id)) throw new ApiFailure(404, 'Webhook not found');
    store.state.webhooks = store.state.webhooks.filter((w) => w.id !== id);
    return ok({ id }, undefined);
  });
}
