/**
 * M5 uninstall as the CRM asks for it: the install's own purge (lib/installations.ts) plus what the pillars must
 * undo at the vendors while the user's tokens still exist (B1: Graph change-notification subscriptions). Composed
 * here, above both, so the install module does not depend on a pillar.
 */
import { uninstallCrmUser } from '@/lib/installations';
import { removeWatches } from '@/lib/sync/contacts/watch';

export function uninstallUser(crm: 'pipedrive' | 'teamleader', companyId: string, userId: string) {
  return uninstallCrmUser(crm, companyId, userId, {
    beforeTokensPurged: (crmUserId) =>
      removeWatches({ crmUserId }).catch((error) => console.warn('[uninstall] could not remove change watches', error)),
  });
}
