/**
 * Pipedrive v2 webhook deliveries for person changes (B1). Authenticated with the per-user Basic
 * credentials we registered (fail closed), deduplicated by delivery id, acknowledged fast; the change is
 * picked up by a sync run (the sweep compares with the base state, so replays and echoes are harmless).
 */
import { NextResponse, type NextRequest } from 'next/server';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { contactSyncs, installations, webhookEvents } from '@/db/schema';
import { authenticateWebhook, ZPipedriveWebhook } from '@/lib/crm/pipedrive/webhooks';
import { requestContactSync } from '@/inngest/dispatch';
import { publicRoute } from '@/lib/api/public-route';
import { MAX_WEBHOOK_BODY_BYTES, readJsonBody } from '@/lib/api/input';

export const dynamic = 'force-dynamic';

export const POST = publicRoute('webhook', async (req: NextRequest) => {
  const user = await authenticateWebhook(req.headers.get('authorization'));
  if (!user) return NextResponse.json({ error: { code: 'unauthorized', message: 'Invalid webhook credentials' } }, { status: 401 });
  const parsed = ZPipedriveWebhook.safeParse(await readJsonBody(req, { maxBytes: MAX_WEBHOOK_BODY_BYTES, checkStrings: false }).catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: { code: 'bad_request', message: 'Expected a Pipedrive v2 webhook body' } }, { status: 400 });
  const { meta } = parsed.data;
  const db = await getDb();
  const [inst] = await db.select().from(installations).where(eq(installations.id, user.installationId));
  if (!inst || inst.companyId !== meta.company_id) return NextResponse.json({ error: { code: 'unauthorized', message: 'Webhook for another company' } }, { status: 401 });
  const fresh = await db.insert(webhookEvents).values({ id: `pipedrive:${meta.id}`, source: 'pipedrive' }).onConflictDoNothing().returning();
  if (fresh.length === 0) return NextResponse.json({ ok: true, duplicate: true });
  if (meta.entity !== 'person') return NextResponse.json({ ok: true, ignored: meta.entity });
  const syncs = await db
    .select()
    .from(contactSyncs)
    .where(
      and(
        eq(contactSyncs.crmUserId, user.id),
        eq(contactSyncs.status, 'active'),
        isNotNull(contactSyncs.startedAt),
        inArray(contactSyncs.direction, ['crm_to_provider', 'two_way']),
      ),
    );
  // A delete is only visible in a complete listing: ask for a full sweep.
  const fullSweep = meta.action === 'delete' || meta.action === 'deleted';
  for (const s of syncs) await requestContactSync({ syncId: s.id, installationId: s.installationId, provider: s.provider, trigger: 'webhook', fullSweep });
  return NextResponse.json({ ok: true, syncs: syncs.length });
});
