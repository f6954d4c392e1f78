/**
 * Teamleader webhook deliveries (B1). Throttled; the URL's secret authenticates (Teamleader has no
 * signatures); the delivery must name the installation's account; bounded body. The change is fanned out
 * to the pillars by lib/webhooks.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { installations } from '@/db/schema';
import { authenticateTeamleaderWebhook, ZTeamleaderWebhook } from '@/lib/crm/teamleader/webhooks';
import { fanOutCrmChange } from '@/lib/webhooks';
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
  const [entity = parsed.data.subject.type, action = 'updated'] = parsed.data.type.split('.');
  const runs = await fanOutCrmChange({ crm: 'teamleader', crmUserId: user.id, installationId: user.installationId, entity, action, recordId: parsed.data.subject.id });
  return NextResponse.json({ ok: true, syncs: runs });
});
