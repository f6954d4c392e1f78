/** The integrations this app offers and their real state for one CRM user (the settings page's cards). */
import type { IntegrationCard } from '@/lib/sync/runtime/pillar';
import { PILLARS, UPCOMING_PILLARS } from '@/lib/sync/registry';
import type { Tenant } from '@/lib/tenant';

export type { IntegrationCard as IntegrationState } from '@/lib/sync/runtime/pillar';

export async function describeIntegrations(tenant: Tenant): Promise<IntegrationCard[]> {
  const live = await Promise.all(PILLARS.map((p) => p.describe(tenant)));
  return [...live, ...UPCOMING_PILLARS.map((id): IntegrationCard => ({ id, available: false, state: 'unavailable' }))];
}
