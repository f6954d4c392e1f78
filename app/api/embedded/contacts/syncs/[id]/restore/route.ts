/** B3: restore a contact the sync deleted (within the restore window). The link must belong to this sync. */
import { z } from 'zod';
import { and, eq } from 'drizzle-orm';
import { tenantRoute } from '@/lib/api/route';
import { getDb } from '@/db/client';
import { contactLinks } from '@/db/schema';
import { ownedSync } from '@/lib/contacts/service';
import { restoreDeletedContact } from '@/lib/contacts/restore';
import { SyncError } from '@/lib/errors';

export const dynamic = 'force-dynamic';
export const POST = tenantRoute(z.object({ linkId: z.string().uuid() }), async ({ tenant, params, input }) => {
  const sync = await ownedSync(tenant, params.id!);
  const db = await getDb();
  const [link] = await db.select({ id: contactLinks.id }).from(contactLinks).where(and(eq(contactLinks.id, input.linkId), eq(contactLinks.syncId, sync.id)));
  if (!link) throw new SyncError('not_found', 'That contact is not in this sync’s history.');
  return restoreDeletedContact(tenant, link.id);
});
