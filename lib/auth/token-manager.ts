/**
 * Token manager (R2). Hands out access tokens for CRM installs and linked provider accounts:
 * - refreshes ahead of expiry, and once more on a 401 (withAccessToken retries the call one time);
 * - one refresh at a time per account: an in-process single flight plus a `SELECT … FOR UPDATE` row
 *   lock, so even two processes never spend the same single-use (Teamleader, Microsoft) refresh token;
 * - rotated tokens are written back in the same transaction that held the lock;
 * - `invalid_grant` marks the owner *needs reconnect* and throws auth_revoked. Nothing is deleted.
 */
import { eq, sql } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { crmUsers, providerAccounts } from '@/db/schema';
import { markNeedsReconnect as pauseConnections } from '@/lib/sync/runtime/connections';
import { decryptOptional, encryptOptional } from './token-vault';
import { SyncError } from '@/lib/errors';

export type TokenSet = { accessToken: string; refreshToken?: string | null; expiresAt: Date | null; scope?: string | null };
export type Refresher = (refreshToken: string) => Promise<TokenSet>;
export type TokenOwner = { kind: 'crm_user' | 'provider_account'; id: string };

/** Thrown by refreshers when the vendor answered invalid_grant (revoked, expired, reused). */
export class InvalidGrantError extends Error {}

const EARLY_REFRESH_MS = 5 * 60 * 1000;
const inflight = new Map<string, Promise<string>>();
/**
 * Decrypted tokens are kept in memory for a short while so a sync does not read and decrypt the row before
 * every API call (a third of all statements of a 100k import; docs/BENCHMARKS.md). Dropped on refresh, 401,
 * needs-reconnect, uninstall and disconnect.
 */
const CACHE_MS = 30_000;
const cache = new Map<string, { token: string; version: number; expiresAt: number | null; until: number }>();
const cacheKey = (owner: TokenOwner) => `${owner.kind}:${owner.id}`;

export function forgetCachedToken(owner: TokenOwner): void {
  cache.delete(cacheKey(owner));
}

function table(kind: TokenOwner['kind']) {
  return kind === 'crm_user' ? crmUsers : providerAccounts;
}

type Row = {
  accessTokenEnc: string | null;
  refreshTokenEnc: string | null;
  accessTokenExpiresAt: Date | null;
  tokenVersion: number;
  status: string;
};

async function readRow(db: Db, owner: TokenOwner, lock: boolean): Promise<Row | undefined> {
  const t = table(owner.kind);
  const q = db
    .select({
      accessTokenEnc: t.accessTokenEnc,
      refreshTokenEnc: t.refreshTokenEnc,
      accessTokenExpiresAt: t.accessTokenExpiresAt,
      tokenVersion: t.tokenVersion,
      status: t.status,
    })
    .from(t)
    .where(eq(t.id, owner.id));
  const rows = lock ? await q.for('update') : await q;
  return rows[0];
}

function isUsable(row: Row, now = Date.now()) {
  return !!row.accessTokenEnc && (!row.accessTokenExpiresAt || row.accessTokenExpiresAt.getTime() - EARLY_REFRESH_MS > now);
}

function assertActive(owner: TokenOwner, row: Row | undefined): asserts row is Row {
  if (!row) throw new SyncError('uninstalled', 'The account no longer exists.');
  if (row.status === 'uninstalled' || row.status === 'disconnected') throw new SyncError('uninstalled', 'The account was disconnected or uninstalled.');
  if (row.status === 'needs_reconnect') throw new SyncError('auth_revoked', 'The account needs to be reconnected.');
  if (!row.refreshTokenEnc && !row.accessTokenEnc) throw new SyncError('auth_revoked', `No tokens stored for ${owner.kind}.`);
}

/** Marks the owner as needing a reconnect, and pauses the connections that use it (R2; nothing is deleted). */
export async function markNeedsReconnect(db: Db, owner: TokenOwner, reason: string): Promise<void> {
  forgetCachedToken(owner);
  const t = table(owner.kind);
  await db.update(t).set({ status: 'needs_reconnect', lastAuthError: reason, updatedAt: new Date() }).where(eq(t.id, owner.id));
  await pauseConnections(owner.kind === 'provider_account' ? { accountId: owner.id } : { crmUserId: owner.id }, reason, db);
}

async function refreshLocked(owner: TokenOwner, refresher: Refresher, seenVersion: number | null, force: boolean): Promise<string> {
  const db = await getDb();
  let revoked: string | null = null;
  const token = await db.transaction(async (tx) => {
    const row = await readRow(tx as unknown as Db, owner, true);
    assertActive(owner, row);
    // Someone refreshed while we waited for the lock: use theirs.
    if (seenVersion !== null && row.tokenVersion !== seenVersion && row.accessTokenEnc) return decryptOptional(row.accessTokenEnc)!;
    if (!force && isUsable(row)) return decryptOptional(row.accessTokenEnc)!;
    const refreshToken = decryptOptional(row.refreshTokenEnc);
    if (!refreshToken) {
      revoked = 'No refresh token is stored; authorize again.';
      return null;
    }
    let fresh: TokenSet;
    try {
      fresh = await refresher(refreshToken);
    } catch (error) {
      if (error instanceof InvalidGrantError) {
        revoked = error.message;
        return null;
      }
      throw error;
    }
    const t = table(owner.kind);
    await tx
      .update(t)
      .set({
        accessTokenEnc: encryptOptional(fresh.accessToken),
        // Pipedrive returns the same refresh token; Teamleader/Microsoft rotate. Keep the old one only if none came back.
        refreshTokenEnc: fresh.refreshToken ? encryptOptional(fresh.refreshToken) : row.refreshTokenEnc,
        accessTokenExpiresAt: fresh.expiresAt,
        ...(fresh.scope ? { scope: fresh.scope } : {}),
        tokenVersion: sql`${t.tokenVersion} + 1`,
        lastAuthError: null,
        updatedAt: new Date(),
      })
      .where(eq(t.id, owner.id));
    return fresh.accessToken;
  });
  if (revoked !== null || token === null) {
    await markNeedsReconnect(db, owner, revoked ?? 'Authorization was revoked.');
    throw new SyncError('auth_revoked', revoked ?? 'Authorization was revoked.');
  }
  return token;
}

/** A valid access token for the owner, refreshing first when it expires within 5 minutes. */
export async function getAccessToken(owner: TokenOwner, refresher: Refresher, opts: { force?: boolean; seenVersion?: number } = {}): Promise<{ token: string; version: number }> {
  const key = cacheKey(owner);
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && opts.force) cache.delete(key);
  else if (hit && hit.until > now && (hit.expiresAt === null || hit.expiresAt - EARLY_REFRESH_MS > now)) return { token: hit.token, version: hit.version };
  const db = await getDb();
  const row = await readRow(db, owner, false);
  assertActive(owner, row);
  if (!opts.force && isUsable(row)) {
    const token = decryptOptional(row.accessTokenEnc)!;
    cache.set(key, { token, version: row.tokenVersion, expiresAt: row.accessTokenExpiresAt?.getTime() ?? null, until: now + CACHE_MS });
    return { token, version: row.tokenVersion };
  }
  let pending = inflight.get(key);
  if (!pending) {
    pending = refreshLocked(owner, refresher, opts.force ? (opts.seenVersion ?? row.tokenVersion) : null, !!opts.force).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  const token = await pending;
  cache.delete(key); // the next call re-reads the row to learn the new expiry and version
  return { token, version: row.tokenVersion + 1 };
}

/**
 * Runs `call` with a valid access token; when it fails with a 401 (`isUnauthorized`), refreshes once
 * and retries once.
 */
export async function withAccessToken<T>(
  owner: TokenOwner,
  refresher: Refresher,
  call: (token: string) => Promise<T>,
  isUnauthorized: (error: unknown) => boolean,
): Promise<T> {
  const { token, version } = await getAccessToken(owner, refresher);
  try {
    return await call(token);
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    const fresh = await getAccessToken(owner, refresher, { force: true, seenVersion: version });
    try {
      return await call(fresh.token);
    } catch (second) {
      if (isUnauthorized(second)) {
        const db = await getDb();
        await markNeedsReconnect(db, owner, 'The service rejected a freshly refreshed token.');
        throw new SyncError('auth_revoked', 'The service rejected a freshly refreshed token.');
      }
      throw second;
    }
  }
}
