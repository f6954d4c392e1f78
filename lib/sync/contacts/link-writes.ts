/**
 * The import's per-record link writes, batched (Performance: a first import of 100k contacts otherwise
 * spends two statements per contact — the pending link before the CRM create and the link after it).
 *
 * Crash safety stays what it was per record: a block's pending links are written (one statement) before
 * any create of that block is sent, and a link becomes final only with the CRM person's id. A crash leaves
 * at most one block plus the records in flight pending; the retry looks for their twins (B10) before
 * creating, as it always did for the records in flight.
 */
import { sql } from 'drizzle-orm';
import { contactLinks } from '@/db/schema';
import type { SyncContext } from './context';

/**
 * Records per link statement. Bounds what a crash leaves pending (each pending link costs the retry a few
 * rate-limited CRM searches: 50 of them take ~20 s at Pipedrive's 10 searches per 2 s) against statements
 * per record (2 ÷ 50 instead of 2).
 */
export const LINK_WRITE_BATCH = 50;

type LinkInsert = typeof contactLinks.$inferInsert;

/** A new pending link per remote id (one statement), before their CRM creates are sent; remote id → link id. */
export async function insertPendingLinks(ctx: SyncContext, rows: { remoteId: string; label: string }[]): Promise<Map<string, string>> {
  if (!rows.length) return new Map();
  const now = new Date();
  const inserted = await ctx.db
    .insert(contactLinks)
    .values(rows.map((r) => ({ installationId: ctx.sync.installationId, syncId: ctx.sync.id, remoteId: r.remoteId, state: 'linked' as const, label: r.label, pendingSince: now, createdBy: 'sync_to_crm' as const })))
    .returning({ id: contactLinks.id, remoteId: contactLinks.remoteId });
  return new Map(inserted.map((r) => [r.remoteId!, r.id]));
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
  const now = new Date();
  const rows: LinkInsert[] = links.map((l) => ({
    ...l,
    installationId: ctx.sync.installationId,
    syncId: ctx.sync.id,
    state: 'linked',
    deletedAt: null,
    deletedSide: null,
    skipCode: null,
    skipReason: null,
    pendingSince: null,
    updatedAt: now,
  }));
  await ctx.db
    .insert(contactLinks)
    .values(rows)
    .onConflictDoUpdate({
      target: contactLinks.id,
      set: {
        crmId: sql`excluded.crm_id`,
        remoteId: sql`excluded.remote_id`,
        remoteEtag: sql`excluded.remote_etag`,
        crmUpdatedAt: sql`excluded.crm_updated_at`,
        snapshot: sql`excluded.snapshot`,
        snapshotHash: sql`excluded.snapshot_hash`,
        label: sql`excluded.label`,
        createdBy: sql`excluded.created_by`,
        state: sql`excluded.state`,
        deletedAt: null,
        deletedSide: null,
        skipCode: null,
        skipReason: null,
        pendingSince: null,
        crmVerifyAfter: sql`excluded.crm_verify_after`,
        updatedAt: now,
      },
    });
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
