/**
 * v2 webhook deliveries (reference §3.8): POST JSON with Basic auth, 10 s timeout, fire-and-forget
 * (no retries). A webhook only receives events for records its `user_id` may see.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../lib/types';
import type { ChangeEvent, PipedriveStore } from './store';
import type { Webhook } from './types';

const DELIVERY_TIMEOUT_MS = 10_000;
const LOG_SIZE = 200;

export type DeliveryLogEntry = {
  webhookId: number;
  url: string;
  action: string;
  entity: string;
  entityId: number;
  status: number | null;
  error: string | null;
  at: string;
};

export class WebhookDispatcher {
  private pending = new Set<Promise<void>>();
  readonly log: DeliveryLogEntry[] = [];

  constructor(private ctx: SandboxContext, private store: PipedriveStore) {
    store.onChange((event) => this.dispatch(event));
  }

  /** Resolves when every delivery started so far has finished (tests await this). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private dispatch(event: ChangeEvent): void {
    const company = this.store.company(event.companyId);
    for (const webhook of this.store.state.webhooks) {
      if (!this.matches(webhook, event)) continue;
      const payload = {
        meta: {
          action: event.action,
          entity: event.entity,
          company_id: String(event.companyId),
          correlation_id: randomUUID(),
          entity_id: String(event.entityId),
          id: randomUUID(),
          is_bulk_edit: false,
          timestamp: new Date(this.ctx.now()).toISOString(),
          type: 'application',
          user_id: String(event.actor.userId),
          version: '2.0',
          webhook_id: String(webhook.id),
          webhook_owner_id: String(webhook.ownerId),
          change_source: event.actor.source,
          attempt: 1,
          host: `${company.domain}.pipedrive.com`,
          permitted_user_ids: this.store.usersOf(event.companyId).filter((u) => this.store.canSee(u, { owner_id: event.ownerId, visible_to: event.visibleTo, companyId: event.companyId })).map((u) => String(u.id)),
        },
        data: event.data,
        previous: event.previous,
      };
      const delivery = this.deliver(webhook, payload, event).finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }

  private matches(webhook: Webhook, event: ChangeEvent): boolean {
    if (webhook.companyId !== event.companyId || webhook.version !== '2.0') return false;
    if (webhook.event_object !== '*' && webhook.event_object !== event.entity) return false;
    if (webhook.event_action !== '*' && webhook.event_action !== event.action) return false;
    const user = this.store.user(webhook.userId);
    return Boolean(user && this.store.canSee(user, { owner_id: event.ownerId, visible_to: event.visibleTo, companyId: event.companyId }));
  }

  private async deliver(webhook: Webhook, payload: unknown, event: ChangeEvent): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Pipedrive Webhooks' };
    if (webhook.http_auth_user !== null || webhook.http_auth_password !== null) {
      headers.authorization = `Basic ${Buffer.from(`${webhook.http_auth_user ?? ''}:${webhook.http_auth_password ?? ''}`).toString('base64')}`;
    }
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(webhook.subscription_url, { method: 'POST', headers, body: JSON.stringify(payload), signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      await response.arrayBuffer().catch(() => undefined);
      status = response.status;
    } catch (err) {
      error = (err as Error).message;
    }
    webhook.last_delivery_time = this.ctx.now();
    webhook.last_http_status = status;
    this.log.push({ webhookId: webhook.id, url: webhook.subscription_url, action: event.action, entity: event.entity, entityId: event.entityId, status, error, at: new Date(this.ctx.now()).toISOString() });
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
  }
}
