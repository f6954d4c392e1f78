/**
 * Overlapping syncs: two live syncs that write the same people into the same provider account create every
 * contact twice (and fight over edits). Pure; the service refuses such a start and the UI explains it first.
 */
export type SyncFootprint = {
  crmUserId: string;
  provider: 'google' | 'microsoft';
  /** The provider account's e-mail: two CRM users may link the same Google account. */
  accountEmail: string;
  direction: 'crm_to_provider' | 'provider_to_crm' | 'two_way';
};

const writesProvider = (d: SyncFootprint['direction']) => d !== 'provider_to_crm';

/**
 * The live sync `candidate` would overlap with, or null.
 * - Same CRM user, same account: any second direction overlaps (an import brings people into the CRM that an
 *   export or two-way then writes back as copies; export and two-way both write the user's persons).
 * - Another CRM user on the same account: overlaps only when both write to the provider and the CRM's persons
 *   have no owner (Teamleader: everyone exports the same contacts); with owners each exports their own (C5, C6).
 */
export function findOverlap<T extends SyncFootprint>(candidate: SyncFootprint, live: T[], personsHaveOwner: boolean): T | null {
  const sameAccount = (s: SyncFootprint) => s.provider === candidate.provider && s.accountEmail.trim().toLowerCase() === candidate.accountEmail.trim().toLowerCase();
  for (const other of live) {
    if (!sameAccount(other)) continue;
    if (other.crmUserId === candidate.crmUserId) {
      if (other.direction !== candidate.direction) return other;
      continue; // the same sync started again: an update of its settings
    }
    if (!personsHaveOwner && writesProvider(other.direction) && writesProvider(candidate.direction)) return other;
  }
  return null;
}
