/** Microsoft Graph change notifications (B1): handshake, bounded body, per-notification authentication — lib/webhooks/graph-notifications.ts. */
import type { NextRequest } from 'next/server';
import { publicRoute } from '@/lib/api/public-route';
import { handleGraphDelivery } from '@/lib/webhooks/graph-notifications';

export const dynamic = 'force-dynamic';

export const POST = publicRoute('webhook', (req: NextRequest) => handleGraphDelivery(req, 'change'));
