/** Dropbox for files (F1, F7): POST starts a link (the authorize URL for a popup); DELETE unlinks (files stay). */
import { tenantRoute } from '@/lib/api/route';
import { startDropboxLink, unlinkDropbox } from '@/lib/files/dropbox-linking';

export const dynamic = 'force-dynamic';

export const POST = tenantRoute(null, async ({ tenant }) => startDropboxLink(tenant));
export const DELETE = tenantRoute(null, async ({ tenant }) => unlinkDropbox(tenant));
