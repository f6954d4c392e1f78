/**
 * Microsoft Graph change notifications for Outlook contacts (providers.md §5.5), mounted with the rest of
 * Graph at `/microsoft/graph/v1.0/subscriptions`:
 *
 * - `POST /subscriptions` `{changeType, notificationUrl, lifecycleNotificationUrl?, resource, expirationDateTime,
 *   clientState?}` → 201. Before answering, Graph validates each URL: `POST <url>?validationToken=<token>`
 *   (`Content-Type: text/plain`), expecting 200 with the decoded token as the body within 10 s; otherwise 400.
 *   Resources: `me/contacts` (default folder) and `me/contactFolders/{id}/contacts`. Outlook contacts allow at
 *   most 4230 minutes of lifetime; `clientState` at most 128 characters.
 * - `GET /subscriptions[/{id}]`, `PATCH /subscriptions/{id}` `{expirationDateTime}` (renew) → 200,
 *   `DELETE /subscriptions/{id}` → 204; an expired or unknown subscription is 404.
 * - A contact created, updated or deleted in the folder POSTs a changeNotificationCollection
 *   `{"value":[{subscriptionId, subscriptionExpirationDateTime, changeType, resource, resourceData:{@odata.type,
 *   @odata.id, @odata.etag, id}, clientState, tenantId}]}` to notificationUrl (changes close together are batched).
 *   A non-2xx answer is retried with backoff; when every retry failed, a `missed` lifecycle notification follows.
 * - Lifecycle notifications `{"value":[{subscriptionId, subscriptionExpirationDateTime, lifecycleEvent, clientState,
 *   tenantId}]}` (`reauthorizationRequired`, `subscriptionRemoved`, `missed`) are sent by the admin API on demand;
 *   `subscriptionRemoved` also deletes the subscription, as Graph does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { json, noContent, readJson, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import { contactId, etagOf, type ContactStore, type StoreChange } from './contact-store';
import { GraphApiError } from './graph-errors';
import { CONSUMER_TENANT_ID, GRAPH_PREFIX, type AccessTokenGrant, type MicrosoftState, type StoredSubscription } from './microsoft-state';

export type { StoredSubscription };

/** Outlook personal contacts: the longest subscription Graph grants (minutes). */
export const MAX_CONTACT_SUBSCRIPTION_MINUTES = 4230;
const MAX_CLIENT_STATE = 128;
const VALIDATION_TIMEOUT_MS = 10_000;
const DELIVERY_TIMEOUT_MS = 10_000;
const BATCH_MS = 100;
const RETRY_DELAYS_MS = [1_000, 5_000, 15_000];
const LOG_SIZE = 500;

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export type NotificationDelivery = { url: string; kind: 'change' | 'lifecycle' | 'validation'; status: number | null; items: number; at: number; error?: string };

type Pending = { url: string; items: Record<string, unknown>[] };

export class GraphSubscriptions {
  private pending = new Map<string, Pending>();
  private batchTimer: NodeJS.Timeout | null = null;
  private timers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<Promise<void>>();
  readonly log: NotificationDelivery[] = [];

  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => MicrosoftState,
    private readonly store: ContactStore,
  ) {}

  private get all(): Record<string, StoredSubscription> {
    const s = this.state() as MicrosoftState & { subscriptions?: Record<string, StoredSubscription> };
    s.subscriptions ??= {};
    return s.subscriptions;
  }

  list(email?: string): StoredSubscription[] {
    return Object.values(this.all).filter((s) => !email || s.accountEmail === email.toLowerCase());
  }

  private live(id: string, email: string): StoredSubscription {
    const sub = this.all[id];
    if (!sub || sub.accountEmail !== email || Date.parse(sub.expirationDateTime) <= this.ctx.now()) {
      if (sub && Date.parse(sub.expirationDateTime) <= this.ctx.now()) delete this.all[id];
      throw new GraphApiError(404, 'ResourceNotFound', `The object was not found.`);
    }
    return sub;
  }

  /** `path` is relative to the Graph root and starts with `/subscriptions`. */
  async handle(req: Omit<SandboxRequest, 'params'>, grant: AccessTokenGrant, path: string): Promise<SandboxResponse> {
    const email = grant.accountEmail.toLowerCase();
    const [, , id, extra] = path.split('/');
    if (extra !== undefined) throw new GraphApiError(400, 'BadRequest', `Resource not found for the segment '${extra}'.`);
    if (!id) {
      if (req.method === 'POST') return this.create(req, grant, email);
      if (req.method === 'GET') return json(200, { '@odata.context': `${this.graphBase}/$metadata#subscriptions`, value: this.list(email).map((s) => this.toWire(s)) });
    } else {
      if (req.method === 'GET') return json(200, this.toWire(this.live(id, email)));
      if (req.method === 'PATCH') return this.update(req, id, email);
      if (req.method === 'DELETE') {
        this.live(id, email);
        delete this.all[id];
        return noContent();
      }
    }
    throw new GraphApiError(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed for this resource.`);
  }

  private get graphBase() {
    return `${this.ctx.baseUrl}/microsoft${GRAPH_PREFIX}`;
  }

  private checkExpiry(value: unknown): string {
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) throw new GraphApiError(400, 'InvalidRequest', "Subscription expiration time 'expirationDateTime' is required and must be a valid date.");
    const now = this.ctx.now();
    if (at <= now) throw new GraphApiError(400, 'InvalidRequest', 'Subscription expiration must be in the future.');
    if (at > now + MAX_CONTACT_SUBSCRIPTION_MINUTES * 60_000)
      throw new GraphApiError(400, 'InvalidRequest', `Subscription expiration can only be ${MAX_CONTACT_SUBSCRIPTION_MINUTES} minutes in the future.`);
    return new Date(at).toISOString();
  }

  private folderOf(email: string, resource: string): string {
    const r = resource.replace(/^\//, '');
    if (/^me\/contacts$/i.test(r)) return this.store.mailbox(email).defaultFolderId;
    const m = /^me\/contactFolders\/([^/]+)\/contacts$/i.exec(r);
    if (!m) throw new GraphApiError(400, 'InvalidRequest', `Resource '${resource}' is not supported for change notifications.`);
    const folderId = decodeURIComponent(m[1]!);
    try {
      this.store.folder(email, folderId);
    } catch {
      throw new GraphApiError(404, 'ResourceNotFound', `Resource '${resource}' does not exist or one of its queried reference-property objects are not present.`);
    }
    return folderId;
  }

  private async create(req: Omit<SandboxRequest, 'params'>, grant: AccessTokenGrant, email: string): Promise<SandboxResponse> {
    const body = readJson<Record<string, unknown>>(req) ?? {};
    const changeType = typeof body.changeType === 'string' ? body.changeType : '';
    const types = changeType.split(',').map((t) => t.trim());
    if (!changeType || types.some((t) => !['created', 'updated', 'deleted'].includes(t)))
      throw new GraphApiError(400, 'InvalidRequest', "Subscription property 'changeType' must be a comma-separated list of created, updated and deleted.");
    const notificationUrl = typeof body.notificationUrl === 'string' ? body.notificationUrl : '';
    const lifecycleUrl = typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : null;
    for (const url of [notificationUrl, lifecycleUrl]) {
      if (url === null) continue;
      // Graph requires https; the sandbox is plain http everywhere (sandbox/README.md), so http is accepted too.
      if (!/^https?:\/\//i.test(url)) throw new GraphApiError(400, 'InvalidRequest', 'The notification URL must be an absolute https URL.');
    }
    if (typeof body.resource !== 'string') throw new GraphApiError(400, 'InvalidRequest', "Subscription property 'resource' is required.");
    const folderId = this.folderOf(email, body.resource);
    const expirationDateTime = this.checkExpiry(body.expirationDateTime);
    const clientState = typeof body.clientState === 'string' ? body.clientState : null;
    if (clientState && clientState.length > MAX_CLIENT_STATE) throw new GraphApiError(400, 'InvalidRequest', `clientState must be at most ${MAX_CLIENT_STATE} characters.`);
    for (const url of [notificationUrl, lifecycleUrl]) if (url !== null) await this.validate(url);
    const sub: StoredSubscription = {
      id: randomUUID(),
      accountEmail: email,
      applicationId: grant.clientId,
      resource: body.resource,
      folderId,
      changeType: types.join(','),
      notificationUrl,
      lifecycleNotificationUrl: lifecycleUrl,
      clientState,
      expirationDateTime,
      immutableIds: /IdType\s*=\s*"?ImmutableId"?/i.test(String(req.headers.prefer ?? '')),
    };
    this.all[sub.id] = sub;
    return json(201, { '@odata.context': `${this.graphBase}/$metadata#subscriptions/$entity`, ...this.toWire(sub) });
  }

  private update(req: Omit<SandboxRequest, 'params'>, id: string, email: string): SandboxResponse {
    const sub = this.live(id, email);
    const body = readJson<Record<string, unknown>>(req) ?? {};
    if (body.expirationDateTime !== undefined) sub.expirationDateTime = this.checkExpiry(body.expirationDateTime);
    if (typeof body.notificationUrl === 'string') sub.notificationUrl = body.notificationUrl;
    return json(200, { '@odata.context': `${this.graphBase}/$metadata#subscriptions/$entity`, ...this.toWire(sub) });
  }

  private toWire(s: StoredSubscription) {
    return {
      id: s.id,
      resource: s.resource,
      applicationId: s.applicationId,
      changeType: s.changeType,
      clientState: s.clientState,
      notificationUrl: s.notificationUrl,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: s.expirationDateTime,
      creatorId: this.state().accounts[s.accountEmail]?.id ?? null,
      includeResourceData: false,
      latestSupportedTlsVersion: 'v1_2',
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  /** The endpoint validation handshake: 200, text/plain, the decoded token, within 10 s. */
  private async validate(url: string): Promise<void> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()} ${randomBytes(6).toString('hex')}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '', signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS) });
      status = res.status;
      const text = await res.text();
      if (res.status === 200 && text === token && /text\/plain/i.test(res.headers.get('content-type') ?? '')) {
        this.record({ url, kind: 'validation', status, items: 0, at: this.ctx.now() });
        return;
      }
      error = `answered ${res.status} ${res.headers.get('content-type') ?? ''} with ${text === token ? 'the token' : 'another body'}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    this.record({ url, kind: 'validation', status, items: 0, at: this.ctx.now(), error });
    throw new GraphApiError(400, 'ValidationError', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
  }

  // ---- delivery ---------------------------------------------------------------------------------------

  /** ContactStore hook: queue a notification for each live subscription on the changed folder. */
  changed(email: string, change: StoreChange): void {
    // Bulk generation writes 100,000 contacts: with no subscription at all, do nothing.
    const all = this.all;
    let any = false;
    for (const _ in all) {
      any = true;
      break;
    }
    if (!any) return;
    const folderId = change.kind === 'deleted' ? change.tombstone.folderId : change.contact.folderId;
    const now = this.ctx.now();
    const account = this.state().accounts[email.toLowerCase()];
    for (const sub of this.list(email)) {
      if (sub.folderId !== folderId || Date.parse(sub.expirationDateTime) <= now) continue;
      if (!sub.changeType.split(',').includes(change.kind)) continue;
      const id =
        change.kind === 'deleted' ? (sub.immutableIds ? change.tombstone.immutableId : change.tombstone.regularId) : contactId(change.contact, sub.immutableIds);
      const resource = `Users/${account?.id ?? email}/Contacts/${id}`;
      this.queue(sub.notificationUrl, {
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        changeType: change.kind,
        resource,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.Contact',
          '@odata.id': resource,
          ...(change.kind === 'deleted' ? {} : { '@odata.etag': etagOf(change.contact) }),
          id,
        },
        clientState: sub.clientState,
        tenantId: CONSUMER_TENANT_ID,
      });
    }
  }

  /** Sends a lifecycle notification for the subscription now; `subscriptionRemoved` also removes it. */
  async lifecycle(id: string, event: LifecycleEvent): Promise<boolean> {
    const sub = this.all[id];
    if (!sub || !sub.lifecycleNotificationUrl) return false;
    if (event === 'subscriptionRemoved') delete this.all[id];
    await this.post(sub.lifecycleNotificationUrl, 'lifecycle', [
      { subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, lifecycleEvent: event, clientState: sub.clientState, tenantId: CONSUMER_TENANT_ID },
    ]);
    return true;
  }

  /** Ends a subscription as if its lifetime ran out (no notification, like Graph). */
  expire(id: string): boolean {
    return delete this.all[id];
  }

  private queue(url: string, item: Record<string, unknown>): void {
    const p = this.pending.get(url) ?? { url, items: [] };
    p.items.push(item);
    this.pending.set(url, p);
    if (!this.batchTimer) {
      this.batchTimer = setTimeout(() => this.sendBatches(), BATCH_MS);
      this.batchTimer.unref?.();
    }
  }

  private sendBatches(): void {
    this.batchTimer = null;
    const batches = [...this.pending.values()];
    this.pending.clear();
    for (const b of batches) this.track(this.deliver(b.url, b.items, 0));
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deliver(url: string, items: Record<string, unknown>[], attempt: number): Promise<void> {
    const ok = await this.post(url, 'change', items);
    if (ok) return;
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined) {
      // Every retry failed: tell each subscription's lifecycle URL that notifications were missed.
      for (const subId of new Set(items.map((i) => String(i.subscriptionId)))) await this.lifecycle(subId, 'missed');
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.track(this.deliver(url, items, attempt + 1));
    }, delay);
    t.unref?.();
    this.timers.add(t);
  }

  private async post(url: string, kind: 'change' | 'lifecycle', value: Record<string, unknown>[]): Promise<boolean> {
    let status: number | null = null;
    let error: string | undefined;
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }), signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
      status = res.status;
      await res.arrayBuffer();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    this.record({ url, kind, status, items: value.length, at: this.ctx.now(), error });
    return status !== null && status >= 200 && status < 300;
  }

  private record(d: NotificationDelivery): void {
    this.log.push(d);
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
  }

  /** Resolves when every notification queued so far has been attempted once (tests await this). */
  async flush(): Promise<void> {
    if (this.batchTimer) {
      clearTimeout(this.batchTimer);
      this.sendBatches();
    }
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    this.pending.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
