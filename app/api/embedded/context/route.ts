/** The settings page's first call: who is this (verified), and the real state of each integration. */
import { tenantRoute } from '@/lib/api/route';
import { describeIntegrations } from '@/lib/integrations';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(null, async ({ tenant }) => ({
  crm: tenant.crm,
  company: { id: tenant.companyId, name: tenant.companyName },
  user: { id: tenant.userExternalId, name: tenant.userName, isAdmin: tenant.isAdmin, status: tenant.status },
  locale: tenant.locale,
  integrations: await describeIntegrations(tenant),
}));
