/**
 * Pipedrive v2 webhook deliveries (B1). Throttled; authenticated with the per-user Basic credentials we
 * registered (fail closed), for the installation's own company; bounded body; deduplicated by delivery id,
 * acknowledged fast; the change is fanned out to the pillars by lib/webhooks.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { installations } from '@/db/schema';
import { authenticateWebhook, ZPipedriveWebhook } from '@/lib/crm/pipedrive/webhooks';
import { fanOutCrmChange, isFirstDelivery } from '@/lib/webhooks';
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
  if (!(await isFirstDelivery('pipedrive', meta.id))) return NextResponse.json({ ok: true, duplicate: true });
  const runs = await fanOutCrmChange({ crm: 'pipedrive', crmUserId: user.id, installationId: user.installationId, entity: meta.entity, action: meta.action, recordId: meta.entity_id ?? null });
  return NextResponse.json({ ok: true, syncs: runs });
});
