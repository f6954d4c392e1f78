/**
 * The import's per-record link writes, batched (Performance: a first import of 100k contacts otherwise
 * spends two statements per contact — the pending link before the CRM create and the link after it).
 *
 * Crash safety stays what it was per record: a block's pending links are written (one statement) before
 * any create of that block is sent, and a link becomes final only with the CRM person's id. A crash leaves
 * at most a block and a half of new links pending plus the finished records whose final links were still
 * buffered; the retry looks for their twins (B10) before creating, as it always did for the records in
 * flight.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { contactLinks } from '@/db/schema';
import type { SyncContext } from './context';

/**
 * Records per link statement. Bounds what a crash leaves pending (each pending link costs the retry a few
 * rate-limited CRM searches: 50 of them take ~20 s at Pipedrive's 10 searches per 2 s) against statements
 * per record (2 ÷ 50 instead of 2).
 */
export const LINK_WRITE_BATCH = 50;

/**
 * The rows travel as one JSON parameter (`jsonb_to_recordset`): a 50-row statement built column by column
 * by the query builder cost more CPU than the database spent on it.
 */
const rowsOf = <T>(result: unknown): T[] => (result as { rows?: T[] }).rows ?? (result as T[]);

/** A new pending link per remote id (one statement), before their CRM creates are sent; remote id → link id. */
export async function insertPendingLinks(ctx: SyncContext, rows: { remoteId: string; label: string }[]): Promise<Map<string, string>> {
  if (!rows.length) return new Map();
  const now = new Date().toISOString();
  const json = JSON.stringify(rows.map((r) => ({ remote_id: r.remoteId, label: r.label })));
  const result = await ctx.db.execute(sql`
    insert into ${contactLinks} (installation_id, sync_id, remote_id, state, label, pending_since, created_by)
    select ${ctx.sync.installationId}::uuid, ${ctx.sync.id}::uuid, r.remote_id, 'linked', r.label, ${now}::timestamptz, 'sync_to_crm'
    from jsonb_to_recordset(${json}::jsonb) as r(remote_id text, label text)
    returning id, remote_id`);
  return new Map(rowsOf<{ id: string; remote_id: string }>(result).map((r) => [r.remote_id, r.id]));
}

/** The link of a record whose CRM side was just written: linked, no longer pending. */
export type FinalLink = {
  id: string;
  crmId: string;
  remoteId: string;
  remoteEtag: string | null;
  crmUpdatedAt: string;
  snapshot: Record<string, unknown>;
  snapshotHash: string;
  label: string;
  createdBy: 'sync_to_crm' | 'sync_to_provider' | 'matched';
  crmVerifyAfter: Date;
};

/** Writes final links by id (one statement); the rows exist (pending) already. */
export async function writeFinalLinks(ctx: SyncContext, links: FinalLink[]): Promise<void> {
  if (!links.length) return;
  const json = JSON.stringify(
    links.map((l) => ({
      id: l.id,
      crm_id: l.crmId,
      remote_id: l.remoteId,
      remote_etag: l.remoteEtag,
      crm_updated_at: l.crmUpdatedAt,
      snapshot: l.snapshot,
      snapshot_hash: l.snapshotHash,
      label: l.label,
      created_by: l.createdBy,
      crm_verify_after: l.crmVerifyAfter.toISOString(),
    })),
  );
  await ctx.db.execute(sql`
    update ${contactLinks} as l set
      crm_id = r.crm_id, remote_id = r.remote_id, remote_etag = r.remote_etag, crm_updated_at = r.crm_updated_at,
      snapshot = r.snapshot, snapshot_hash = r.snapshot_hash, label = r.label, created_by = r.created_by,
      state = 'linked', deleted_at = null, deleted_side = null, skip_code = null, skip_reason = null, pending_since = null,
      crm_verify_after = r.crm_verify_after, updated_at = ${new Date().toISOString()}::timestamptz
    from jsonb_to_recordset(${json}::jsonb) as r(
      id uuid, crm_id text, remote_id text, remote_etag text, crm_updated_at text, snapshot jsonb, snapshot_hash text,
      label text, created_by text, crm_verify_after timestamptz)
    where l.id = r.id and l.sync_id = ${ctx.sync.id}::uuid`);
}

/**
 * Pending links written ahead for records whose create was never sent (the pass failed before they
 * started): removed, so the retry creates them straight away instead of searching the CRM for twins.
 */
export async function releasePendingLinks(ctx: SyncContext, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await ctx.db.delete(contactLinks).where(and(eq(contactLinks.syncId, ctx.sync.id), inArray(contactLinks.id, ids), isNull(contactLinks.crmId)));
}

/**
 * Final links of records finished concurrently, written `size` at a time (one statement each, one after the
 * other). `onWritten` runs once a record's link is stored (its activity entry and count go with it, so
 * nothing is reported that the base state does not hold). `flush` writes the rest and rethrows the first
 * failure; call it before the pass ends, also when it fails.
 */
export function finalLinkBuffer(ctx: SyncContext, size = LINK_WRITE_BATCH) {
  let buffer: { link: FinalLink; onWritten: () => void }[] = [];
  let chain: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const write = () => {
    const batch = buffer;
    buffer = [];
    if (!batch.length) return chain;
    chain = chain.then(async () => {
      if (failure) return;
      try {
        await writeFinalLinks(ctx, batch.map((b) => b.link));
        for (const b of batch) b.onWritten();
      } catch (error) {
        failure = { error };
      }
    });
    return chain;
  };
  return {
    add(link: FinalLink, onWritten: () => void): void {
      buffer.push({ link, onWritten });
      if (buffer.length >= size) void write();
    },
    async flush(): Promise<void> {
      await write();
      if (failure) throw failure.error;
    },
  };
}
