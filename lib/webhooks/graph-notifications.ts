/**
 * Microsoft Graph change and lifecycle notifications (B1), behind `/api/microsoft/notifications` and
 * `/api/microsoft/lifecycle`:
 *
 * - `?validationToken=…` (subscription create, both URLs): echo the decoded token, 200 text/plain, at once.
 * - Otherwise a bounded JSON body, shape-checked (400 when it is not a changeNotificationCollection), then
 *   every notification authenticated on its own — subscription id known, clientState equal — and acted on.
 *   The answer is 202 whether or not a notification was ours: Graph retries non-2xx answers for hours, and
 *   a forger learns nothing from the status. Work is a debounced run request, so the answer is fast.
 */
import { MAX_WEBHOOK_BODY_BYTES, readJsonBody } from '@/lib/api/input';
import { ZGraphChangeNotifications, ZGraphLifecycleNotifications } from '@/lib/providers/microsoft/schemas';
import { handlePushNotifications, type PushNotification, type PushOutcome } from '@/lib/sync/contacts/watch';

/** Graph's validation tokens are short opaque strings; anything longer is not a handshake. */
const MAX_VALIDATION_TOKEN = 1024;

export async function handleGraphDelivery(req: Request, kind: 'change' | 'lifecycle'): Promise<Response> {
  const token = new URL(req.url).searchParams.get('validationToken');
  if (token !== null) {
    if (!token || token.length > MAX_VALIDATION_TOKEN) return new Response('Bad validation token', { status: 400, headers: { 'content-type': 'text/plain' } });
    return new Response(token, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
  }
  const body = await readJsonBody(req, { maxBytes: MAX_WEBHOOK_BODY_BYTES, checkStrings: false }).catch((error: unknown) => error as Error);
  if (body instanceof Error) {
    const status = (body as { status?: number }).status === 413 ? 413 : 400;
    return Response.json({ error: { code: 'bad_request', message: 'Expected a bounded JSON notification body' } }, { status });
  }
  let items: PushNotification[];
  if (kind === 'change') {
    const parsed = ZGraphChangeNotifications.safeParse(body);
    if (!parsed.success) return Response.json({ error: { code: 'bad_request', message: 'Expected a Graph change notification collection' } }, { status: 400 });
    items = parsed.data.value.map((n) => ({
      subscriptionId: n.subscriptionId,
      clientState: n.clientState,
      kind: 'change' as const,
      changeType: n.changeType,
      remoteId: n.resourceData?.id,
      etag: n.resourceData?.['@odata.etag'],
    }));
  } else {
    const parsed = ZGraphLifecycleNotifications.safeParse(body);
    if (!parsed.success) return Response.json({ error: { code: 'bad_request', message: 'Expected a Graph lifecycle notification collection' } }, { status: 400 });
    items = parsed.data.value.map((n) => ({ subscriptionId: n.subscriptionId, clientState: n.clientState, kind: n.lifecycleEvent }));
  }
  const outcome: PushOutcome = await handlePushNotifications(items);
  return Response.json(outcome, { status: 202 });
}
