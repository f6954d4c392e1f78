/**
 * Microsoft Graph JSON batching (`POST /v1.0/$batch`, learn.microsoft.com/graph/json-batching): up to 20
 * requests `{ id, method, url, headers?, body?, dependsOn? }` in one call; the answer is
 * `{ responses: [{ id, status, headers, body }] }`. Ids are unique within the batch (else 400 for the whole
 * batch); a request whose dependency failed answers 424 Failed Dependency. JSON bodies stay JSON; other
 * bodies (a photo's `$value`) are base64. Each request is evaluated against the throttling limits on its
 * own: a throttled one answers 429 with its own `Retry-After` while the others succeed. Graph sends the
 * Outlook service up to four requests of a batch at a time (learn.microsoft.com/graph/throttling, "Outlook
 * service limits"); requests without `dependsOn` may run in parallel, in any order. Headers of the envelope
 * other than Authorization do not reach its requests (`Prefer: IdType="ImmutableId"` "only applies to the
 * request it is included with").
 */
import { json, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { GraphApiError } from './graph-errors';

export const GRAPH_BATCH_MAX = 20;
/** Requests of one batch Graph dispatches to Outlook at the same time. */
export const GRAPH_BATCH_PARALLEL = 4;

type BatchItem = { id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown; dependsOn?: string[] };
export type BatchSubResponse = { id: string; status: number; headers: Record<string, string>; body?: unknown };

const badRequest = (message: string) => new GraphApiError(400, 'BadRequest', message);

function parse(body: Buffer): BatchItem[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw badRequest('Invalid batch payload format.');
  }
  const requests = (parsed as { requests?: unknown }).requests;
  if (!Array.isArray(requests) || requests.length === 0) throw badRequest('Invalid batch payload format.');
  if (requests.length > GRAPH_BATCH_MAX) throw badRequest(`Number of batch request steps exceeds the maximum of ${GRAPH_BATCH_MAX}.`);
  const ids = new Set<string>();
  for (const r of requests as BatchItem[]) {
    if (!r || typeof r.id !== 'string' || !r.id || typeof r.method !== 'string' || typeof r.url !== 'string') throw badRequest('Invalid batch payload format.');
    const key = r.id.toLowerCase(); // ids are case-insensitive
    if (ids.has(key)) throw badRequest('Batch request contains duplicate request ids.');
    ids.add(key);
    if (r.body !== undefined && !Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === 'content-type')) throw badRequest('Write request id : ' + r.id + ' does not contain Content-Type header or body.');
  }
  for (const r of requests as BatchItem[]) for (const d of r.dependsOn ?? []) if (!ids.has(String(d).toLowerCase())) throw badRequest(`Request ${r.id} depends on an unknown request ${d}.`);
  // A cycle is refused before anything runs.
  const ordered = new Set<string>();
  for (let progress = true; progress; ) {
    progress = false;
    for (const r of requests as BatchItem[]) {
      const key = r.id.toLowerCase();
      if (ordered.has(key) || !(r.dependsOn ?? []).every((d) => ordered.has(String(d).toLowerCase()))) continue;
      ordered.add(key);
      progress = true;
    }
  }
  if (ordered.size !== requests.length) throw badRequest('Batch request contains a dependency cycle.');
  return requests as BatchItem[];
}

/** Graph writes the standard headers of a batched answer capitalized (`"Content-Type"`, `"Retry-After"`), as its examples show. */
const CANONICAL: Record<string, string> = { 'content-type': 'Content-Type', 'retry-after': 'Retry-After', location: 'Location', etag: 'ETag', 'cache-control': 'Cache-Control', 'odata-version': 'OData-Version' };

function flatHeaders(headers: SandboxResponse['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [CANONICAL[k.toLowerCase()] ?? k, Array.isArray(v) ? v.join(', ') : v]));
}

function subBody(res: SandboxResponse): unknown {
  if (res.body === undefined || res.body.length === 0) return undefined;
  const type = flatHeaders(res.headers)['Content-Type'] ?? '';
  const bytes = typeof res.body === 'string' ? Buffer.from(res.body, 'utf8') : Buffer.from(res.body);
  if (/json/i.test(type)) {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      return bytes.toString('utf8');
    }
  }
  return bytes.toString('base64');
}

/**
 * Runs the batch: `run` answers one request (routing, throttling, faults) as if it came alone. Up to
 * GRAPH_BATCH_PARALLEL requests run at once, each as soon as the requests it depends on are answered; the
 * answer lists every request once, in the order they were sent.
 */
export async function handleGraphBatch(
  req: Omit<SandboxRequest, 'params'>,
  graphRoot: string,
  run: (sub: Omit<SandboxRequest, 'params'>) => Promise<SandboxResponse>,
): Promise<SandboxResponse> {
  const items = parse(req.body);
  const done = new Map<string, BatchSubResponse>();
  const pending = [...items];
  const answer = async (item: BatchItem): Promise<BatchSubResponse> => {
    const failedDependency = (item.dependsOn ?? []).some((d) => (done.get(String(d).toLowerCase())?.status ?? 500) >= 400);
    if (failedDependency) return { id: item.id, status: 424, headers: { 'Content-Type': 'application/json' }, body: { error: { code: 'FailedDependency', message: 'Failed dependency.' } } };
    const relative = item.url.startsWith('/') ? item.url : `/${item.url}`;
    const url = new URL(`${graphRoot}${relative}`);
    const headers: Record<string, string | string[] | undefined> = { authorization: req.headers.authorization };
    for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = v;
    const contentType = String(headers['content-type'] ?? '');
    const body =
      item.body === undefined
        ? Buffer.alloc(0)
        : /json/i.test(contentType) || typeof item.body !== 'string'
          ? Buffer.from(typeof item.body === 'string' ? item.body : JSON.stringify(item.body), 'utf8')
          : Buffer.from(item.body, 'base64');
    const res = await run({ method: item.method.toUpperCase(), url, path: url.pathname, headers: headers as SandboxRequest['headers'], body, raw: req.raw });
    return { id: item.id, status: res.status, headers: flatHeaders(res.headers), body: subBody(res) };
  };
  const running = new Set<Promise<void>>();
  while (pending.length || running.size) {
    while (running.size < GRAPH_BATCH_PARALLEL) {
      const i = pending.findIndex((r) => (r.dependsOn ?? []).every((d) => done.has(String(d).toLowerCase())));
      if (i < 0) break;
      const [item] = pending.splice(i, 1) as [BatchItem];
      const task: Promise<void> = answer(item).then((response) => {
        done.set(item.id.toLowerCase(), response);
        running.delete(task);
      });
      running.add(task);
    }
    if (!running.size) throw badRequest('Batch request contains a dependency cycle.'); // parse() refuses cycles; never wait on nothing
    await Promise.race(running);
  }
  return json(200, { responses: items.map((r) => done.get(r.id.toLowerCase())!) });
}
