/**
 * Dropbox webhooks (providers.md §1.11): a change in a linked account's app folder POSTs
 * `{"list_folder":{"accounts":[…]},"delta":{"users":[…]}}` to the app's webhook URI, signed with
 * `X-Dropbox-Signature: hex(HMAC-SHA256(app secret, raw body))`. Changes close together are batched into
 * one notification; failed deliveries are retried with backoff for about ten minutes. Registering a URI
 * first verifies it with the challenge GET (echo the `challenge` parameter within 10 s).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SandboxContext } from '../lib/types';
import type { DropboxState, WebhookDelivery } from './dropbox-state';

const BATCH_MS = 50;
const DELIVERY_TIMEOUT_MS = 10_000;
const RETRY_DELAYS_MS = [1_000, 5_000, 15_000, 30_000, 60_000, 120_000, 180_000, 180_000];
const LOG_SIZE = 200;

export function webhookSignature(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export class WebhookNotifier {
  private pendingAccounts = new Set<string>();
  private batchTimer: NodeJS.Timeout | null = null;
  private retryTimers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<Promise<void>>();
  readonly log: WebhookDelivery[] = [];

  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => DropboxState,
  ) {}

  /** A change in an account's app folder (only linked accounts are notified). */
  accountChanged(accountId: string): void {
    const state = this.state();
    if (!state.config.webhooksEnabled || !state.webhookUrl || !state.linked[accountId]) return;
    this.pendingAccounts.add(accountId);
    if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => this.sendBatch(), BATCH_MS);
      this.batchTimer.unref?.();
    }
  }

  /** Resolves when every notification queued so far has been attempted once (tests await this). */
  async flush(): Promise<void> {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.sendBatch();
    }
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    this.pendingAccounts.clear();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  /** The App Console's verification: GET <url>?challenge=… must echo the challenge. */
  async verify(url: string): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    const challenge = randomBytes(16).toString('base64url');
    try {
      const target = new URL(url);
      target.searchParams.set('challenge', challenge);
      const response = await fetch(target, { headers: { 'user-agent': 'DropboxWebhooks/1.0' }, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      const text = await response.text();
      const ok = response.status === 200 && text === challenge;
      return { ok, status: response.status, error: ok ? null : `Expected the challenge "${challenge}" back, got HTTP ${response.status} "${text.slice(0, 80)}"` };
    } catch (error) {
      return { ok: false, status: null, error: (error as Error).message };
    }
  }

  private sendBatch(): void {
    this.batchTimer = null;
    const accounts = [...this.pendingAccounts];
    this.pendingAccounts.clear();
    if (!accounts.length) return;
    const users = accounts.map((a) => Number(this.state().accounts[a]?.uid)).filter((u) => Number.isFinite(u));
    const body = JSON.stringify({ list_folder: { accounts }, delta: { users } });
    this.deliver(this.state().webhookUrl, body, accounts, 0);
  }

  private deliver(url: string, body: string, accounts: string[], attempt: number): void {
    const signature = webhookSignature(this.ctx.app.dropbox.appSecret, body);
    const run = (async () => {
      let status: number | null = null;
      let error: string | null = null;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-dropbox-signature': signature, 'user-agent': 'DropboxWebhooks/1.0' },
          body,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        await response.arrayBuffer().catch(() => undefined);
        status = response.status;
      } catch (err) {
        error = (err as Error).message;
      }
      this.log.push({ url, accounts, status, error, signature, at: new Date(this.ctx.now()).toISOString() });
      if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
      if (status !== 200 && attempt < RETRY_DELAYS_MS.length) {
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.deliver(url, body, accounts, attempt + 1);
        }, RETRY_DELAYS_MS[attempt]);
        timer.unref?.();
        this.retryTimers.add(timer);
      }
    })();
    const tracked = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
