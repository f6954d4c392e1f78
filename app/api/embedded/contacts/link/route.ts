/** Starts linking a Google / Microsoft account (C1): returns the popup URL carrying a signed ticket. */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { MAX_EMAIL_LENGTH } from '@/lib/api/input';
import { startLink } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';

const ZLink = z.object({ provider: z.enum(['google', 'microsoft']), email: z.string().trim().max(MAX_EMAIL_LENGTH, 'is too long for an e-mail address').email('enter the e-mail address of the account') });

export const POST = tenantRoute(ZLink, async ({ tenant, input }) => startLink(tenant, input.provider, input.email));
