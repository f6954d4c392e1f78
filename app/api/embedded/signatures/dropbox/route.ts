/** S5: the send dialog's Dropbox picker — one folder of the user's own Dropbox (the record's folder by default). */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { browseDropbox } from '@/lib/signatures/picker';

export const dynamic = 'force-dynamic';

const ZBrowse = z.object({
  module: z.enum(['person', 'organization', 'deal', 'contact', 'company', 'project']),
  recordId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  // '' = the app folder's root; otherwise a Dropbox id or a path from an earlier listing.
  at: z.union([z.literal(''), z.string().regex(/^id:[A-Za-z0-9_-]{1,200}$/), z.string().regex(/^\/[^\u0000-\u001f]{1,1000}$/)]).optional(),
});

export const GET = tenantRoute(ZBrowse, async ({ tenant, input }) => browseDropbox(tenant, input));
