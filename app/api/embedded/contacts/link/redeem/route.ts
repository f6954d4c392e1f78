/** The opener's half of linking (S1): the verified CRM user redeems the one-time code the popup handed back. */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { redeemLink } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';

const ZRedeem = z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a link code') });

export const POST = tenantRoute(ZRedeem, async ({ tenant, input }) => redeemLink(tenant, input.code));
