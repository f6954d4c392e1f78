/**
 * Outgoing callbacks (reference §3.6). Each event goes to:
 *   - the account callback URL of every account involved (requester, signers; CC'd accounts only when
 *     config.callbacksToCcAccounts, since the vendor does not document it), hash keyed with THAT
 *     account's API key, `reported_for_app_id: null`;
 *   - the app callback URL when the request was created by an API app, hash keyed with the API key of
 *     the app owner's account (what the vendor's SDK helpers and callback examples verify with),
 *     `reported_for_app_id` = client id, plus top-level `client_id` and `account_guid`.
 * Body: multipart/form-data with a `json` field. Only HTTP 200 with the body `Hello API Event
 * Received` counts as delivered; anything else is retried on config.callbackRetryDelaysMs.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SandboxContext } from '../lib/types';
import type { SignEvent, SignStore } from './sign-store';
import type { SignAccount, SignState } from './sign-state';
import { wireAccount, wireSignatureRequest } from './wire';

export const ACKNOWLEDGEMENT = 'Hello API Event Received';
const TIMEOUT_MS = 10_000;
const LOG_SIZE = 500;

export type CallbackAttempt = { at: number; status: number | null; body: string | null; error: string | null };

export type CallbackDelivery = {
  id: string;
  url: string;
  kind: 'account' | 'app';
  eventType: string;
  eventTime: string;
  eventHash: string;
  reportedForAccountId: string | null;
  reportedForAppId: string | null;
  signatureRequestId: string | null;
  json: string;
  attempts: CallbackAttempt[];
  status: 'pending' | 'delivered' | 'failed';
  nextAttemptAt: number | null;
};

export function eventHash(key: string, eventTime: string, eventType: string): string {
  return createHmac('sha256', key).update(`${eventTime}${eventType}`).digest('hex');
}

export class CallbackDispatcher {
  readonly deliveries: CallbackDelivery[] = [];
  private pending = new Set<Promise<void>>();
  private timers = new Set<NodeJS.Timeout>();
  /** Set while demo data is seeded: history must not call URLs configured later. */
  muted = false;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => SignState,
    private readonly store: SignStore,
    private readonly apiBase: () => string,
    private readonly webBase: () => string,
  ) {
    store.onEvent((event) => this.dispatch(event));
  }

  /** Resolves when every attempt started so far (not scheduled retries) has finished. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Runs every retry that is due now (by the emulated clock) — tests move the clock then call this. */
  async runDueRetries(): Promise<void> {
    const now = this.ctx.now();
    for (const d of this.deliveries) if (d.status === 'pending' && d.nextAttemptAt !== null && d.nextAttemptAt <= now) this.attempt(d);
    await this.flush();
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Forgets every delivery and pending retry (emulator reset). */
  clear(): void {
    this.stop();
    this.deliveries.length = 0;
  }

  private dispatch(event: SignEvent): void {
    if (this.muted) return;
    const eventTime = String(Math.floor(event.at / 1000));
    const request = event.request;
    const requestJson = request ? wireSignatureRequest(request, this.apiBase(), this.webBase()) : undefined;
    const targets: { kind: 'account' | 'app'; url: string; key: string; account: SignAccount; appId: string | null }[] = [];
    const accounts = new Map<string, SignAccount>();
    if (event.onlyAccountId) {
      const account = this.store.accountById(event.onlyAccountId);
      if (account) accounts.set(account.accountId, account);
    } else if (request) {
      const requester = this.store.accountById(request.requesterAccountId);
      if (requester) accounts.set(requester.accountId, requester);
      const emails = [...request.signers.map((s) => s.email), ...(this.state().config.callbacksToCcAccounts ? request.ccEmails : [])];
      for (const email of emails) {
        const account = this.store.accountByEmail(email);
        if (account) accounts.set(account.accountId, account);
      }
    }
    for (const account of accounts.values()) {
      if (account.callbackUrl) targets.push({ kind: 'account', url: account.callbackUrl, key: account.apiKey, account, appId: null });
    }
    const app = request?.clientId ? this.state().apps[request.clientId] : undefined;
    const owner = app ? this.store.accountById(app.ownerAccountId) : undefined;
    if (app?.eventCallbackUrl && owner && request) {
      const requester = this.store.accountById(request.requesterAccountId) ?? owner;
      targets.push({ kind: 'app', url: app.eventCallbackUrl, key: owner.apiKey, account: requester, appId: app.clientId });
    }
    for (const target of targets) {
      const hash = eventHash(target.key, eventTime, event.type);
      const payload = {
        event: {
          event_time: eventTime,
          event_type: event.type,
          event_hash: hash,
          event_metadata: {
            related_signature_id: event.relatedSignatureId,
            reported_for_account_id: target.account.accountId,
            reported_for_app_id: target.appId,
            event_message: null,
          },
        },
        ...(target.kind === 'app' ? { account_guid: target.account.accountId, client_id: target.appId } : {}),
        ...(event.type === 'callback_test' ? { account: wireAccount(target.account, this.state()) } : {}),
        ...(requestJson ? { signature_request: requestJson } : {}),
      };
      const delivery: CallbackDelivery = {
        id: randomBytes(8).toString('hex'),
        url: target.url,
        kind: target.kind,
        eventType: event.type,
        eventTime,
        eventHash: hash,
        reportedForAccountId: target.account.accountId,
        reportedForAppId: target.appId,
        signatureRequestId: request?.id ?? null,
        json: JSON.stringify(payload),
        attempts: [],
        status: 'pending',
        nextAttemptAt: event.at,
      };
      this.deliveries.push(delivery);
      if (this.deliveries.length > LOG_SIZE) this.deliveries.splice(0, this.deliveries.length - LOG_SIZE);
      this.attempt(delivery);
    }
  }

  private attempt(delivery: CallbackDelivery): void {
    delivery.nextAttemptAt = null;
    const run = this.post(delivery).finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  private async post(delivery: CallbackDelivery): Promise<void> {
    const form = new FormData();
    form.append('json', delivery.json);
    const attempt: CallbackAttempt = { at: this.ctx.now(), status: null, body: null, error: null };
    try {
      const response = await fetch(delivery.url, { method: 'POST', body: form, headers: { 'user-agent': 'Dropbox Sign API' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
      attempt.status = response.status;
      attempt.body = (await response.text().catch(() => '')).slice(0, 200);
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    delivery.attempts.push(attempt);
    if (attempt.status === 200 && attempt.body?.includes(ACKNOWLEDGEMENT)) {
      delivery.status = 'delivered';
      return;
    }
    const delays = this.state().config.callbackRetryDelaysMs;
    const delay = delays[delivery.attempts.length - 1];
    if (delay === undefined) {
      delivery.status = 'failed';
      return;
    }
    delivery.nextAttemptAt = this.ctx.now() + delay;
    const attemptsSoFar = delivery.attempts.length;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // Skip when runDueRetries (moved clock) already made this attempt.
      if (delivery.status === 'pending' && delivery.attempts.length === attemptsSoFar && delivery.nextAttemptAt !== null) this.attempt(delivery);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
