/**
 * Outlook contacts through the official `@microsoft/microsoft-graph-client`. The Graph root is
 * configuration (real graph.microsoft.com, or the sandbox emulator over plain http); the access token
 * comes from the token manager. One middleware chain for both: bearer auth → retry (429/503/504 with
 * Retry-After; POST only on 429) → call counter → HTTP. Groups are contact folders.
 */
import { BatchRequestContent, BatchResponseContent, ResponseType, type BatchResponseBody } from '@microsoft/microsoft-graph-client';
import {
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type GraphRequest,
  type Middleware,
  type MiddlewareOptions,
} from '@microsoft/microsoft-graph-client';
import { env } from '@/lib/env';
import { SyncError, parseRetryAfter } from '@/lib/errors';
import type { ApiCallCounter } from '@/lib/crm/http';
import type { WithToken } from '@/lib/crm/pipedrive/client';
import type { Contact } from '@/lib/sync/contacts/model';
import type { ChangePage, ContactProvider, RemoteContact, RemoteGroup, WriteResult } from '../port';
import { graphFailure, mapGraphError } from './errors';
import { paced, type RatePacer } from '@/lib/crm/rate-pacer';
import { GRAPH_REF_EXTENSION, GRAPH_SELECT, contactFromGraph, contactToGraph, projectContactForGraph, refExtension, refOf, type GraphContact } from './mapper';

/** Writes go 20 per JSON batch (one `POST /$batch`); the engine chunks by these. */
export const GRAPH_BATCH = { create: 20, update: 20, delete: 20 } as const;
export const GRAPH_DELTA_PAGE_SIZE = 200;
/** Graph JSON batching: at most 20 requests per `$batch` call. */
export const GRAPH_JSON_BATCH_MAX = 20;
const PHOTO_BATCH_ROUNDS = 3;
/** A throttled write in a batch is sent again up to 3 times (the SDK's RetryHandler allows a lone call as many). */
const WRITE_BATCH_ROUNDS = 4;
const MAX_BATCH_RETRY_WAIT_MS = 30_000;
const BATCH_STEP_ORIGIN = 'https://graph.microsoft.com';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const GRAPH_LIST_PAGE_SIZE = 1000;
const IMMUTABLE_IDS = 'IdType="ImmutableId"';
const REF_EXPAND = `extensions($filter=id eq 'Microsoft.OutlookServices.OpenTypeExtension.${GRAPH_REF_EXTENSION}')`;

type GraphPage<T> = { value?: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
type GraphFolder = { id: string; displayName?: string; parentFolderId?: string };

/** Per-request token, so one client serves concurrent calls with whatever token withToken handed out. */
class BearerToken implements MiddlewareOptions {
  constructor(readonly token: string) {}
}

function setHeader(context: Context, name: string, value: (current: string | null) => string): void {
  context.options = context.options ?? {};
  const headers = context.options.headers;
  if (headers instanceof Headers) {
    headers.set(name, value(headers.get(name)));
    return;
  }
  const record = { ...((headers as Record<string, string> | undefined) ?? {}) };
  const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
  record[key] = value(record[key] ?? null);
  context.options.headers = record;
}

/** Sets `Authorization: Bearer` (whatever the host: the sandbox is plain http) and the immutable-id preference. */
class BearerAuthMiddleware implements Middleware {
  private next?: Middleware;
  async execute(context: Context): Promise<void> {
    const option = context.middlewareControl?.getMiddlewareOptions(BearerToken) as BearerToken | undefined;
    if (!option) throw new SyncError('internal', 'Graph request without an access token.');
    setHeader(context, 'Authorization', () => `Bearer ${option.token}`);
    setHeader(context, 'Prefer', (current) => (current && /IdType\s*=/i.test(current) ? current : [current, IMMUTABLE_IDS].filter(Boolean).join(', ')));
    return this.next!.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Counts every HTTP request actually sent (retries included). */
class CountingMiddleware implements Middleware {
  private next?: Middleware;
  constructor(private readonly counter?: ApiCallCounter) {}
  async execute(context: Context): Promise<void> {
    if (this.counter) this.counter.count++;
    return this.next!.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** Absolute nextLink/deltaLink → a path for `client.api()`: drop the origin and everything up to `/v1.0`. */
export function toGraphPath(link: string): string {
  if (!/^https?:\/\//i.test(link)) return link;
  const url = new URL(link);
  return `${url.pathname.replace(/^.*?\/v1\.0(?=\/)/i, '')}${url.search}`;
}

const enc = encodeURIComponent;

/** One request of a JSON batch: a path under the Graph root and a JSON body. */
type BatchStep = { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string; body?: unknown; headers?: Record<string, string> };
/** A step's answer inside the batch's answer: its own status, headers and (JSON) body. */
type BatchAnswer = { status: number; headers: Headers; body: unknown };

/** Throttled (429) was not applied; a GET, PATCH or DELETE is safe to repeat after a 503/504 too, a POST is not. */
const repeatable = (method: BatchStep['method'], status: number) => status === 429 || (method !== 'POST' && (status === 503 || status === 504));

/**
 * A step's error answer as the SDK would have raised it for a lone call, mapped to our closed set by the
 * same mapGraphError (401 stays raw when `raw`: the token manager's signal; otherwise it is not ours to
 * retry inside a batch and becomes `internal`).
 */
function answerError(answer: BatchAnswer, raw = false): unknown {
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const graphError = { statusCode: answer.status, code: error?.code ?? null, message: error?.message ?? `HTTP ${answer.status}`, body: answer.body, headers: answer.headers };
  const mapped = mapGraphError(graphError);
  if (mapped instanceof SyncError || raw) return mapped;
  return new SyncError('internal', `Microsoft: ${graphError.message}`, { status: answer.status, vendor: 'microsoft' });
}

export function createMicrosoftProvider(opts: { withToken: WithToken; counter?: ApiCallCounter; pacer?: RatePacer }): ContactProvider {
  const auth = new BearerAuthMiddleware();
  // A POST is not idempotent: after a 503/504 Graph may have applied it (a created contact), and a blind
  // retry creates a second one. Only a 429 (throttled, not applied) is retried for POST; the engine's own
  // crash recovery (our stamp) handles the rest. PATCH and DELETE are safe to repeat.
  const retry = new RetryHandler(
    new RetryHandlerOptions(3, 3, (_delay, _attempt, request, options, response) => {
      const method = (typeof request === 'string' ? options?.method : (request as Request).method) ?? 'GET';
      return method.toUpperCase() !== 'POST' || response.status === 429;
    }),
  );
  const counting = new CountingMiddleware(opts.counter);
  const http = new HTTPMessageHandler();
  auth.setNext(retry);
  retry.setNext(counting);
  counting.setNext(http);
  const client = Client.initWithMiddleware({ baseUrl: env().microsoft.graphUrl, middleware: auth });

  type Api = (path: string) => GraphRequest;
  /**
   * One Graph call, held to the mailbox's 10,000 requests per 10 minutes (`weight`: a JSON batch costs one
   * per request in it).
   */
  async function call<T>(fn: (api: Api) => Promise<T>, weight = 1): Promise<T> {
    try {
      return await paced(opts.pacer, weight, () => opts.withToken((token) => fn((path) => client.api(toGraphPath(path)).middlewareOptions([new BearerToken(token)]))), graphFailure);
    } catch (error) {
      throw mapGraphError(error);
    }
  }

  const isCode = (error: unknown, ...codes: SyncError['code'][]) => error instanceof SyncError && codes.includes(error.code);

  /**
   * One JSON batch (`POST /$batch`, ≤ 20 steps) through the SDK's BatchRequestContent / BatchResponseContent;
   * answers in step order. Each step carries its own `Prefer: IdType="ImmutableId"` (a header applies only to
   * the request it is sent with; the envelope's does not reach the steps). No `dependsOn`: Graph dispatches
   * at most 4 steps at a time to Outlook, within its 4 concurrent requests per mailbox. When every step
   * answers 401 nothing was applied: it is thrown as a 401 so the token manager refreshes and sends again.
   */
  async function sendBatch(steps: BatchStep[]): Promise<BatchAnswer[]> {
    const batch = new BatchRequestContent(
      steps.map((step, i) => ({
        id: String(i + 1),
        request: new Request(new URL(step.path, BATCH_STEP_ORIGIN), {
          method: step.method,
          headers: { Prefer: IMMUTABLE_IDS, ...(step.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...step.headers },
          ...(step.body === undefined ? {} : { body: JSON.stringify(step.body) }),
        }),
      })),
    );
    const content = await batch.getContent();
    return call(async (api) => {
      const responses = new BatchResponseContent((await api('/$batch').post(content)) as BatchResponseBody);
      const answers: BatchAnswer[] = [];
      for (let i = 0; i < steps.length; i++) {
        const res = responses.getResponseById(String(i + 1));
        // A step missing from the answer was not run as far as we know: treat it like a transient failure.
        if (!res) answers.push({ status: 503, headers: new Headers(), body: undefined });
        else answers.push({ status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) });
      }
      if (answers.length && answers.every((a) => a.status === 401)) throw answerError(answers[0]!, true);
      return answers;
    }, steps.length);
  }

  /**
   * Runs ≤ 20 steps as one batch; steps answered 429 (throttled, not applied) — or 503/504 for a GET, PATCH
   * or DELETE, which are safe to repeat — go again after the longest Retry-After among them (as a lone call's
   * RetryHandler would), at most WRITE_BATCH_ROUNDS times. A POST answered 503/504 is never repeated: Outlook
   * may have applied it (the engine's pending-create recovery finds it by our ref). Whatever is still
   * throttled keeps its last answer, which the caller throws like a lone call's error.
   */
  async function runBatch(steps: BatchStep[]): Promise<BatchAnswer[]> {
    const answers: BatchAnswer[] = new Array(steps.length);
    let todo = steps.map((_, i) => i);
    for (let round = 0; todo.length && round < WRITE_BATCH_ROUNDS; round++) {
      const got = await sendBatch(todo.map((i) => steps[i]!));
      const again: number[] = [];
      let waitMs = 0;
      todo.forEach((stepIndex, j) => {
        const answer = got[j]!;
        answers[stepIndex] = answer;
        if (repeatable(steps[stepIndex]!.method, answer.status)) {
          again.push(stepIndex);
          waitMs = Math.max(waitMs, parseRetryAfter(answer.headers.get('retry-after')) ?? 1_000);
        }
      });
      todo = again;
      // A wait longer than we hold a step for (e.g. the 10-minute mailbox window) is the engine's to wait.
      if (!todo.length || round + 1 >= WRITE_BATCH_ROUNDS || waitMs > MAX_BATCH_RETRY_WAIT_MS) break;
      await sleep(waitMs);
    }
    return answers;
  }

  /** Items in batches of ≤ 20, one batch after another (never more than 4 steps running in the mailbox). */
  async function runBatches<I>(items: I[], step: (item: I) => BatchStep): Promise<BatchAnswer[]> {
    const answers: BatchAnswer[] = [];
    for (let i = 0; i < items.length; i += GRAPH_JSON_BATCH_MAX) answers.push(...(await runBatch(items.slice(i, i + GRAPH_JSON_BATCH_MAX).map(step))));
    return answers;
  }

  /** A written contact's WriteResult, or the step's error: per item for not_found / validation / precondition_failed, thrown otherwise. */
  function writeResult(ref: string, answer: BatchAnswer, remoteId?: string): WriteResult {
    if (answer.status >= 200 && answer.status < 300) {
      const g = (answer.body ?? {}) as GraphContact;
      return { ref, remoteId: remoteId ?? g.id, etag: g['@odata.etag'] ?? answer.headers.get('etag') ?? '' };
    }
    const error = answerError(answer);
    if (isCode(error, 'validation', 'not_found', 'precondition_failed')) return { ref, error: error as SyncError };
    throw error;
  }

  /**
   * One JSON batch (`POST /$batch`) of `photo/$value` reads through the SDK's BatchRequestContent /
   * BatchResponseContent. Binary bodies come back base64-encoded. The SDK turns each step's absolute URL
   * into the batch's relative one by dropping the origin, so steps are addressed from a bare Graph origin
   * (the configured root may carry a path, e.g. the emulator's).
   */
  async function photoBatch(remoteIds: string[]): Promise<{ answers: Map<string, { bytes: Uint8Array; contentType: string } | null | 'throttled'>; retryAfterMs: number }> {
    const batch = new BatchRequestContent(
      remoteIds.map((remoteId, i) => ({ id: String(i + 1), request: new Request(new URL(`/me/contacts/${enc(remoteId)}/photo/$value`, BATCH_STEP_ORIGIN), { method: 'GET' }) })),
    );
    const content = await batch.getContent();
    const body = await call((api) => api('/$batch').post(content) as Promise<BatchResponseBody>, remoteIds.length);
    const responses = new BatchResponseContent(body);
    const answers = new Map<string, { bytes: Uint8Array; contentType: string } | null | 'throttled'>();
    let retryAfterMs = 1_000;
    for (const [i, remoteId] of remoteIds.entries()) {
      const res = responses.getResponseById(String(i + 1));
      if (!res) answers.set(remoteId, null);
      else if (res.status === 429 || res.status === 503) {
        answers.set(remoteId, 'throttled');
        retryAfterMs = Math.max(retryAfterMs, parseRetryAfter(res.headers.get('retry-after')) ?? 1_000);
      } else if (res.status !== 200) answers.set(remoteId, null); // 404: "The photo wasn't found."
      else {
        const bytes = Buffer.from(await res.text(), 'base64');
        answers.set(remoteId, bytes.byteLength ? { bytes: new Uint8Array(bytes), contentType: res.headers.get('content-type')?.split(';')[0] || 'image/jpeg' } : null);
      }
    }
    return { answers, retryAfterMs };
  }

  const toRemote = (g: GraphContact): RemoteContact => ({
    remoteId: g.id!,
    etag: g['@odata.etag'] ?? g.changeKey ?? '',
    contact: contactFromGraph(g),
    ref: refOf(g),
    updatedAt: g.lastModifiedDateTime ?? null,
    // Knowing needs one /photo request per contact (404 when none): left to getPhoto, asked only when used.
    hasPhoto: null,
  });

  async function listAll<T>(path: string): Promise<T[]> {
    const all: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const url: string = next;
      const page = await call((api) => api(url).get() as Promise<GraphPage<T>>);
      all.push(...(page.value ?? []));
      next = page['@odata.nextLink'];
    }
    return all;
  }

  async function getFolder(id: string): Promise<GraphFolder | null> {
    try {
      return await call((api) => api(`/me/contactFolders/${enc(id)}`).get() as Promise<GraphFolder>);
    } catch (error) {
      if (isCode(error, 'not_found', 'validation')) return null;
      throw error;
    }
  }

  /**
   * The default "Contacts" folder is not in `/me/contactFolders` and has no documented well-known id:
   * it is the parent of any default-folder contact, or of the top-level folders.
   */
  async function defaultFolder(folders: GraphFolder[]): Promise<GraphFolder | null> {
    const sample = await call((api) => api(`/me/contacts?$top=1&$select=parentFolderId`).get() as Promise<GraphPage<GraphContact>>);
    const candidates = [sample.value?.[0]?.parentFolderId, ...folders.map((f) => f.parentFolderId)].filter((id): id is string => !!id);
    for (const id of new Set(candidates)) {
      const folder = await getFolder(id);
      if (folder) return folder;
    }
    return null;
  }

  async function listGroups(): Promise<RemoteGroup[]> {
    const folders = await listAll<GraphFolder>(`/me/contactFolders?$top=${GRAPH_LIST_PAGE_SIZE}`);
    const groups: RemoteGroup[] = folders.map((f) => ({ id: f.id, name: f.displayName ?? f.id }));
    const fallback = await defaultFolder(folders);
    if (fallback && !groups.some((g) => g.id === fallback.id)) groups.unshift({ id: fallback.id, name: fallback.displayName || 'Contacts' });
    return groups;
  }

  const provider: ContactProvider = {
    provider: 'microsoft',
    projectContact: projectContactForGraph,
    batch: { ...GRAPH_BATCH },
    listGroups,

    async getGroup(id) {
      const folder = await getFolder(id);
      return folder ? { id: folder.id, name: folder.displayName ?? id } : null;
    },

    async ensureGroup(name) {
      const find = async () => (await listGroups()).find((g) => g.name.toLowerCase() === name.toLowerCase());
      const existing = await find();
      if (existing) return existing;
      try {
        const folder = await call((api) => api('/me/contactFolders').post({ displayName: name }) as Promise<GraphFolder>);
        return { id: folder.id, name: folder.displayName ?? name };
      } catch (error) {
        // 409 ErrorFolderExists: created concurrently (or differently cased); use that one.
        const raced = isCode(error, 'validation') ? await find() : undefined;
        if (raced) return raced;
        throw error;
      }
    },

    async createContacts(items, groupId) {
      // Our ref travels in the contact (open extension): a batch whose answer is lost is adopted by ref on the next run.
      const path = `/me/contactFolders/${enc(groupId)}/contacts`;
      const answers = await runBatches(items, (it) => ({ method: 'POST', path, body: { ...contactToGraph(it.contact), extensions: [refExtension(it.ref)] } }));
      return items.map((it, i) => writeResult(it.ref, answers[i]!));
    },

    async updateContacts(items) {
      const patch = (it: (typeof items)[number], etag: string | null): BatchStep => ({
        method: 'PATCH',
        path: `/me/contacts/${enc(it.remoteId)}`,
        body: contactToGraph(it.contact),
        ...(etag ? { headers: { 'If-Match': etag } } : {}),
      });
      const answers = await runBatches(items, (it) => patch(it, it.etag));
      const results = new Map<number, WriteResult>();
      const stale: number[] = [];
      items.forEach((it, i) => {
        if (answers[i]!.status === 412) stale.push(i);
        else results.set(i, writeResult(it.ref, answers[i]!, it.remoteId));
      });
      if (stale.length) {
        // Mirrors the Google adapter: one re-read of a stale version (batched too), then the write goes through.
        const reads = await runBatches(stale, (i) => ({ method: 'GET', path: `/me/contacts/${enc(items[i]!.remoteId)}?$select=id` }));
        const retry: { i: number; etag: string }[] = [];
        stale.forEach((i, j) => {
          const read = reads[j]!;
          const etag = read.status === 200 ? ((read.body as GraphContact | undefined)?.['@odata.etag'] ?? null) : null;
          if (etag) retry.push({ i, etag });
          else if (read.status === 200 || read.status === 404) results.set(i, { ref: items[i]!.ref, error: new SyncError('not_found', 'The Outlook contact no longer exists.') });
          else results.set(i, writeResult(items[i]!.ref, read));
        });
        const again = await runBatches(retry, (r) => patch(items[r.i]!, r.etag));
        retry.forEach((r, j) => {
          const it = items[r.i]!;
          results.set(r.i, again[j]!.status === 412 ? { ref: it.ref, error: new SyncError('precondition_failed', 'Outlook kept reporting a newer version of this contact.', { status: 412, vendor: 'microsoft' }) } : writeResult(it.ref, again[j]!, it.remoteId));
        });
      }
      return items.map((_, i) => results.get(i)!);
    },

    async deleteContacts(remoteIds) {
      const answers = await runBatches(remoteIds, (remoteId) => ({ method: 'DELETE', path: `/me/contacts/${enc(remoteId)}` }));
      return remoteIds.map((remoteId, i) => {
        const answer = answers[i]!;
        // Already gone (404) is what we wanted.
        if ((answer.status >= 200 && answer.status < 300) || answer.status === 404) return { remoteId };
        const error = answerError(answer);
        if (isCode(error, 'validation', 'not_found')) return { remoteId, error: error as SyncError };
        throw error;
      });
    },

    async getPhoto(remoteId) {
      try {
        return await call(async (api) => {
          const data = (await api(`/me/contacts/${encodeURIComponent(remoteId)}/photo/$value`).responseType(ResponseType.ARRAYBUFFER).get()) as ArrayBuffer;
          return data && data.byteLength ? { bytes: new Uint8Array(data), contentType: 'image/jpeg' } : null;
        });
      } catch (error) {
        if (isCode(error, 'not_found')) return null; // "The photo wasn't found."
        throw error;
      }
    },

    async getPhotos(remoteIds) {
      const photos = new Map<string, { bytes: Uint8Array; contentType: string } | null>();
      for (let i = 0; i < remoteIds.length; i += GRAPH_JSON_BATCH_MAX) {
        let todo = remoteIds.slice(i, i + GRAPH_JSON_BATCH_MAX);
        // A throttled request in the batch answers 429 with its own Retry-After: only those go again.
        for (let round = 0; todo.length && round < PHOTO_BATCH_ROUNDS; round++) {
          const { answers, retryAfterMs } = await photoBatch(todo);
          todo = [];
          for (const [remoteId, answer] of answers) {
            if (answer === 'throttled') todo.push(remoteId);
            else photos.set(remoteId, answer);
          }
          if (todo.length && round + 1 < PHOTO_BATCH_ROUNDS) await sleep(Math.min(retryAfterMs, MAX_BATCH_RETRY_WAIT_MS));
        }
        for (const remoteId of todo) photos.set(remoteId, null); // still throttled: the next update of the contact tries again
      }
      return photos;
    },

    async getContact(remoteId) {
      try {
        return toRemote(await call((api) => api(`/me/contacts/${enc(remoteId)}?$select=${GRAPH_SELECT}&$expand=${REF_EXPAND}`).get() as Promise<GraphContact>));
      } catch (error) {
        if (isCode(error, 'not_found')) return null;
        throw error;
      }
    },

    async listRefs(groupId) {
      const found = new Map<string, { remoteId: string; etag: string }>();
      const contacts = await listAll<GraphContact>(`/me/contactFolders/${enc(groupId)}/contacts?$top=${GRAPH_LIST_PAGE_SIZE}&$select=id&$expand=${REF_EXPAND}`);
      for (const g of contacts) {
        const ref = refOf(g);
        if (ref && g.id) found.set(ref, { remoteId: g.id, etag: g['@odata.etag'] ?? '' });
      }
      return found;
    },

    async findByRefs(groupId, refs) {
      const found = new Map<string, { remoteId: string; etag: string }>();
      if (refs.size === 0) return found;
      const contacts = await listAll<GraphContact>(`/me/contactFolders/${enc(groupId)}/contacts?$top=${GRAPH_LIST_PAGE_SIZE}&$select=id&$expand=${REF_EXPAND}`);
      for (const g of contacts) {
        const ref = refOf(g);
        if (ref && refs.has(ref) && g.id) found.set(ref, { remoteId: g.id, etag: g['@odata.etag'] ?? '' });
      }
      return found;
    },

    async listChanges(groupId, cursor, pageCursor): Promise<ChangePage> {
      const url = pageCursor ?? cursor ?? `/me/contactFolders/${enc(groupId)}/contacts/delta?$select=${GRAPH_SELECT}`;
      const page = await call((api) => api(url).header('Prefer', `${IMMUTABLE_IDS}, odata.maxpagesize=${GRAPH_DELTA_PAGE_SIZE}`).get() as Promise<GraphPage<GraphContact>>);
      const items: RemoteContact[] = [];
      const deletedIds: string[] = [];
      for (const g of page.value ?? []) {
        if (!g.id) continue;
        if (g['@removed']) deletedIds.push(g.id);
        else items.push(toRemote(g));
      }
      const nextPageCursor = page['@odata.nextLink'] ?? null;
      const syncCursor = nextPageCursor ? null : (page['@odata.deltaLink'] ?? null);
      if (!nextPageCursor && !syncCursor) throw new SyncError('cursor_invalid', 'Microsoft: the delta response had neither a nextLink nor a deltaLink.');
      return { items, deletedIds, nextPageCursor, syncCursor, isFullPass: !cursor };
    },
  };

  return provider;
}

/**
 * A Graph caller on the same middleware chain as the contact provider (bearer → retry → count → HTTP), for
 * calls outside the contact port (change-notification subscriptions). Errors come back mapped (SyncError).
 */
export function createGraphCaller(opts: { withToken: WithToken; counter?: ApiCallCounter }) {
  const auth = new BearerAuthMiddleware();
  // Same rule as the provider: a POST is retried only after a 429 (a 503 may have created it).
  const retry = new RetryHandler(
    new RetryHandlerOptions(3, 3, (_delay, _attempt, request, options, response) => {
      const method = (typeof request === 'string' ? options?.method : (request as Request).method) ?? 'GET';
      return method.toUpperCase() !== 'POST' || response.status === 429;
    }),
  );
  const counting = new CountingMiddleware(opts.counter);
  auth.setNext(retry);
  retry.setNext(counting);
  counting.setNext(new HTTPMessageHandler());
  const client = Client.initWithMiddleware({ baseUrl: env().microsoft.graphUrl, middleware: auth });
  return async function call<T>(fn: (api: (path: string) => GraphRequest) => Promise<T>): Promise<T> {
    try {
      return await opts.withToken((token) => fn((path) => client.api(toGraphPath(path)).middlewareOptions([new BearerToken(token)])));
    } catch (error) {
      throw mapGraphError(error);
    }
  };
}
