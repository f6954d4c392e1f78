/**
 * Plumbing shared by the API route modules: the authenticated caller of a request, error mapping
 * and cursor pagination (reference §3.1).
 */
import { BadBody, readJson, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { ApiFailure } from './store';
import type { Company, User } from './types';
import { apiError, decodeCursor, encodeCursor, parseRfc3339 } from './wire-format';

export type ApiCaller = { company: Company; user: User; token: string };

export type ApiHandler = (req: SandboxRequest, caller: ApiCaller) => SandboxResponse | Promise<SandboxResponse>;

/** The caller is attached by the API gateway (index.ts); keyed by the request's URL object, which routing preserves. */
const callers = new WeakMap<URL, ApiCaller>();

export function attachCaller(req: Pick<SandboxRequest, 'url'>, caller: ApiCaller): void {
  callers.set(req.url, caller);
}

export class ApiRoutes {
  constructor(private router: Router) {}

  add(method: string, pattern: string, handler: ApiHandler): this {
    this.router.add(method, pattern, async (req) => {
      const caller = callers.get(req.url);
      if (!caller) return apiError(401, 'unauthorized access');
      try {
        return await handler(req, caller);
      } catch (error) {
        if (error instanceof ApiFailure) return apiError(error.status, error.message, error.extra);
        if (error instanceof BadBody) return apiError(400, error.message);
        throw error;
      }
    });
    return this;
  }
}

/** JSON object body or 400 (v2 accepts only JSON). */
export function jsonBody(req: SandboxRequest): Record<string, unknown> {
  const body = readJson<unknown>(req);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiFailure(400, 'Request body must be a JSON object.');
  return body as Record<string, unknown>;
}

export function idParam(req: SandboxRequest, name = 'id'): number {
  const value = req.params[name];
  if (!/^\d+$/.test(value ?? '')) throw new ApiFailure(400, `${name} must be an integer.`);
  return Number(value);
}

export function integerQuery(query: URLSearchParams, name: string): number | null {
  const value = query.get(name);
  if (value === null || value === '') return null;
  if (!/^\d+$/.test(value)) throw new ApiFailure(400, `${name} must be an integer.`);
  return Number(value);
}

type Listable = { id: number; add_time: number; update_time: number; owner_id: number };
type SortKey = 'id' | 'update_time' | 'add_time';
type Cursor = { s: SortKey; d: 'asc' | 'desc'; v: number; id: number };

/**
 * v2 list semantics: `ids`, `owner_id`, `updated_since` (>=), `updated_until` (<), `sort_by`,
 * `sort_direction`, `limit` (default 100, max 500) and an opaque keyset cursor. Items updated while
 * a client pages by update_time move behind the cursor, as they would in Pipedrive.
 */
export function paginate<T extends Listable>(items: T[], query: URLSearchParams): { page: T[]; nextCursor: string | null } {
  const limitValue = query.get('limit');
  const limit = limitValue === null || limitValue === '' ? 100 : Number(limitValue);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiFailure(400, 'limit must be an integer between 1 and 500.');
  const sortBy = (query.get('sort_by') ?? 'id') as SortKey;
  if (!['id', 'update_time', 'add_time'].includes(sortBy)) throw new ApiFailure(400, 'sort_by must be one of id, update_time, add_time.');
  const direction = (query.get('sort_direction') ?? 'asc') as 'asc' | 'desc';
  if (direction !== 'asc' && direction !== 'desc') throw new ApiFailure(400, 'sort_direction must be asc or desc.');

  let list = items;
  const ids = query.get('ids');
  if (ids) {
    const wanted = ids.split(',').map((x) => x.trim());
    if (wanted.length > 100 || wanted.some((x) => !/^\d+$/.test(x))) throw new ApiFailure(400, 'ids must be at most 100 comma-separated integers.');
    const set = new Set(wanted.map(Number));
    list = list.filter((x) => set.has(x.id));
  }
  const ownerId = integerQuery(query, 'owner_id');
  if (ownerId !== null) list = list.filter((x) => x.owner_id === ownerId);
  const since = timeQuery(query, 'updated_since');
  if (since !== null) list = list.filter((x) => x.update_time >= since);
  const until = timeQuery(query, 'updated_until');
  if (until !== null) list = list.filter((x) => x.update_time < until);

  const key = (x: T) => (sortBy === 'id' ? x.id : x[sortBy]);
  const sign = direction === 'asc' ? 1 : -1;
  const inIdOrder = sortBy === 'id' && direction === 'asc' && isIdSorted(list);
  const sorted = inIdOrder ? list : [...list].sort((a, b) => sign * (key(a) - key(b) || a.id - b.id));

  let start = 0;
  const cursorValue = query.get('cursor');
  if (cursorValue) {
    const cursor = decodeCursor<Cursor>(cursorValue);
    if (!cursor || cursor.s !== sortBy || cursor.d !== direction) throw new ApiFailure(400, 'Invalid cursor.');
    const after = (x: T) => sign * (key(x) - cursor.v || x.id - cursor.id) > 0;
    start = lowerBound(sorted, after);
  }
  const page = sorted.slice(start, start + limit);
  const last = page[page.length - 1];
  const hasMore = start + limit < sorted.length;
  return { page, nextCursor: hasMore && last ? encodeCursor({ s: sortBy, d: direction, v: key(last), id: last.id } satisfies Cursor) : null };
}

function timeQuery(query: URLSearchParams, name: string): number | null {
  const value = query.get(name);
  if (value === null || value === '') return null;
  const ms = parseRfc3339(value);
  if (ms === null) throw new ApiFailure(400, `${name} must be an RFC 3339 date-time, e.g. 2025-01-01T10:20:00Z.`);
  return ms;
}

function isIdSorted(list: { id: number }[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i].id < list[i - 1].id) return false;
  return true;
}

/** First index whose item satisfies the monotone predicate `after`. */
function lowerBound<T>(sorted: T[], after: (x: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after(sorted[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
