/**
 * Delta query for a contact folder (providers.md §5.4): rounds of pages linked by absolute
 * `@odata.nextLink` ($skiptoken) ending with an `@odata.deltaLink` ($deltatoken). Tokens are opaque,
 * HMAC-signed, and carry folder, position, $select/$expand and issue time; unknown, expired or
 * invalidated tokens answer 410 `syncStateNotFound` with a fresh delta URL in `Location`.
 *
 * A round snapshots the mailbox change sequence when it starts (upToSeq): writes made while paging
 * show up in the next round, never twice in the same one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxResponse } from '../lib/http';
import { json } from '../lib/http';
import { contactToWire, parseContactExpand, parseContactSelect, type ContactStore } from './contact-store';
import { GraphApiError } from './graph-errors';
import type { MicrosoftState } from './microsoft-state';

export const DEFAULT_DELTA_PAGE_SIZE = 100;

type DeltaToken = {
  /** 's' = skip token (inside a round), 'd' = delta token (between rounds). */
  k: 's' | 'd';
  /** Mailbox (account email) the token belongs to. */
  m: string;
  f: string;
  /** Changes after this seq are reported. */
  a: number;
  /** Skip tokens: the round's snapshot seq. */
  u?: number;
  /** Skip tokens: true when the round is an initial sync (no removals reported). */
  i?: boolean;
  e: number;
  t: number;
  sel?: string;
  exp?: string;
};

export type DeltaRequest = {
  email: string;
  folderId: string;
  query: URLSearchParams;
  preferHeader: string;
  immutableIds: boolean;
  /** Absolute URL of the delta endpoint as requested, without query (links are built on it). */
  endpointUrl: string;
};

export class GraphDelta {
  constructor(
    private readonly store: ContactStore,
    private readonly state: () => MicrosoftState,
    private readonly now: () => number,
  ) {}

  page(request: DeltaRequest): SandboxResponse {
    const { email, folderId, query } = request;
    this.store.folder(email, folderId);
    const mailbox = this.store.mailbox(email);
    const skipToken = query.get('$skiptoken');
    const deltaToken = query.get('$deltatoken');
    let round: { afterSeq: number; upToSeq: number; includeRemovals: boolean; select?: string; expand?: string };
    if (skipToken || deltaToken) {
      const token = this.decode(skipToken ?? deltaToken!);
      const fresh = this.freshUrl(request.endpointUrl, token?.sel, token?.exp);
      const lifetimeMs = this.state().config.deltaTokenLifetimeSeconds * 1000;
      const isValid =
        token &&
        token.k === (skipToken ? 's' : 'd') &&
        token.m === email.toLowerCase() &&
        token.f === folderId &&
        token.e === mailbox.deltaEpoch &&
        this.now() - token.t <= lifetimeMs;
      if (!isValid) {
        throw new GraphApiError(410, 'syncStateNotFound', 'The sync state generation is not found or has expired. Start a new synchronization without a state token.', { location: fresh });
      }
      round = token.k === 's'
        ? { afterSeq: token.a, upToSeq: token.u!, includeRemovals: !token.i, select: token.sel, expand: token.exp }
        : { afterSeq: token.a, upToSeq: this.store.currentSeq(email), includeRemovals: true, select: token.sel, expand: token.exp };
    } else {
      round = {
        afterSeq: 0,
        upToSeq: this.store.currentSeq(email),
        includeRemovals: false,
        select: query.get('$select') ?? undefined,
        expand: query.get('$expand') ?? undefined,
      };
    }
    const select = parseContactSelect(round.select ?? null);
    const expandExtensions = parseContactExpand(round.expand ?? null);
    const pageSize = maxPageSize(request.preferHeader);
    const { entries, cursor, exhausted } = this.store.changesInFolder(email, folderId, { ...round, limit: pageSize });

    const value = entries.map((entry) =>
      entry.kind === 'contact'
        ? contactToWire(entry.contact, { immutableIds: request.immutableIds, select, expandExtensions })
        : {
            id: request.immutableIds ? entry.tombstone.immutableId : entry.tombstone.regularId,
            '@removed': { reason: 'deleted' },
          },
    );
    const base = { m: email.toLowerCase(), f: folderId, e: mailbox.deltaEpoch, t: this.now(), sel: round.select, exp: round.expand };
    const link = exhausted
      ? { '@odata.deltaLink': `${request.endpointUrl}?$deltatoken=${this.encode({ ...base, k: 'd', a: round.upToSeq })}` }
      : { '@odata.nextLink': `${request.endpointUrl}?$skiptoken=${this.encode({ ...base, k: 's', a: cursor, u: round.upToSeq, i: !round.includeRemovals })}` };
    const origin = request.endpointUrl.slice(0, request.endpointUrl.indexOf('/me/'));
    return json(
      200,
      { '@odata.context': `${origin}/$metadata#Collection(contact)`, ...link, value },
      { 'preference-applied': `odata.maxpagesize=${pageSize}` },
    );
  }

  private freshUrl(endpointUrl: string, select?: string, expand?: string): string {
    const params = [select && `$select=${select}`, expand && `$expand=${expand}`].filter(Boolean);
    return params.length ? `${endpointUrl}?${params.join('&')}` : endpointUrl;
  }

  private encode(token: DeltaToken): string {
    const payload = Buffer.from(JSON.stringify(token)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  private decode(raw: string): DeltaToken | null {
    const [payload, signature] = raw.split('.');
    if (!payload || !signature) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as DeltaToken;
    } catch {
      return null;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.state().tokenSecret).update(payload).digest('base64url').slice(0, 22);
  }
}

/** `Prefer: odata.maxpagesize=N` (possibly combined with other preferences). */
export function maxPageSize(preferHeader: string): number {
  const match = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(preferHeader);
  const size = match ? Number(match[1]) : DEFAULT_DELTA_PAGE_SIZE;
  return Math.max(1, Math.min(size, 1000));
}
