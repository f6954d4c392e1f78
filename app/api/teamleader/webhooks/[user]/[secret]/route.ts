/**
 * Teamleader webhook deliveries (B1). The URL's secret authenticates (Teamleader has no signatures); the
 * account must match the installation. A contact event requests a sync of the user's exporting connections.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { contactSyncs, installations } from '@/db/schema';
import { authenticateTeamleaderWebhook, ZTeamleaderWebhook } from '@/lib/crm/teamleader/webhooks';
import { requestContactSync } from '@/inngest/dispatch';
import { publicRoute } from '@/lib/api/public-route';
import { MAX_WEBHOOK_BODY_BYTES, readJsonBody } from '@/lib/api/input';

export const dynamic = 'force-dynamic';

export const POST = publicRoute('webhook', async (req: NextRequest, ctx: { params: Promise<{ user: string; secret: string }> }) => {
  const { user: userId, secret } = await ctx.params;
  const user = await authenticateTeamleaderWebhook(userId, secret);
  if (!user) return NextResponse.json({ error: { code: 'unauthorized', message: 'Unknown webhook' } }, { status: 401 });
  const parsed = ZTeamleaderWebhook.safeParse(await readJsonBody(req, { maxBytes: MAX_WEBHOOK_BODY_BYTES, checkStrings: false }).catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: { code: 'bad_request', message: 'Expected a Teamleader webhook body' } }, { status: 400 });
  const db = await getDb();
  const [inst] = await db.select().from(installations).where(eq(installations.id, user.installationId));
  if (!inst || parsed.data.account.id !== inst.companyId)
    return NextResponse.json({ error: { code: 'unauthorized', message: 'Webhook for another account' } }, { status: 401 });
  if (parsed.data.subject.type !== 'contact') return NextResponse.json({ ok: true, ignored: parsed.data.type });
  const syncs = await db
    .select()
    .from(contactSyncs)
    .where(and(eq(contactSyncs.crmUserId, user.id), eq(contactSyncs.status, 'active'), isNotNull(contactSyncs.startedAt), inArray(contactSyncs.direction, ['crm_to_provider', 'two_way'])));
  const fullSweep = parsed.data.type === 'contact.deleted'; // deletes are only visible in a complete listing
  for (const s of syncs) await requestContactSync({ syncId: s.id, installationId: s.installationId, provider: s.provider, trigger: 'webhook', fullSweep });
  return NextResponse.json({ ok: true, syncs: syncs.length });
});
