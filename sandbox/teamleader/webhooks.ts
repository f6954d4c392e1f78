/**
 * Thin webhook deliveries (`{type, subject, account}`), POSTed fire-and-forget with a 10 s timeout.
 * Teamleader documents no signature and no retry policy, so neither is emulated.
 */
import type { SandboxContext } from '../lib/types';
import type { ChangeEvent, TeamleaderStore } from './store';

export type WebhookDelivery = {
  url: string;
  payload: { type: string; subject: { type: string; id: string }; account: { type: 'account'; id: string } };
  at: number;
  status: number | null;
  error: string | null;
};

const DELIVERY_TIMEOUT_MS = 10_000;
const KEPT_DELIVERIES = 500;

export class WebhookDispatcher {
  private log: WebhookDelivery[] = [];
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly store: TeamleaderStore,
  ) {}

  dispatch(event: ChangeEvent): void {
    for (const webhook of this.store.webhooksOf(event.accountId)) {
      if (!webhook.types.includes(event.type)) continue;
      const delivery: WebhookDelivery = {
        url: webhook.url,
        payload: { type: event.type, subject: event.subject, account: { type: 'account', id: event.accountId } },
        at: this.ctx.now(),
        status: null,
        error: null,
      };
      this.log.push(delivery);
      if (this.log.length > KEPT_DELIVERIES) this.log.shift();
      const attempt = fetch(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Teamleader-Webhooks (sandbox)' },
        body: JSON.stringify(delivery.payload),
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      })
        .then(async (res) => {
          delivery.status = res.status;
          await res.body?.cancel();
        })
        .catch((error: Error) => {
          delivery.error = error.message;
        })
        .finally(() => this.pending.delete(attempt));
      this.pending.add(attempt);
    }
  }

  deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  /** Resolves when every delivery started so far has finished (tests). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  clear(): void {
    this.log = [];
  }
}
