/** Pure rules of the CRM → provider export (Teamleader article; PRODUCT C11, C12). */
import type { ProviderKind } from '@/lib/providers/port';
import type { Contact } from './model';
import { DELETE_BRAKE_MIN_DELETES, SKIP_REASONS } from './constants';
import type { ReasonCode } from '@/lib/sync/runtime/reasons';

/**
 * C12: Google needs first name, last name and at least one of phone, mobile or e-mail.
 * Returns the reason a contact cannot be exported, or null. The company phone (C11) does not count:
 * it is the company's, not the person's. The rule is Google's: Outlook (Graph) contacts have no required
 * fields, so nothing is skipped for Microsoft (and no reason may talk about Google there).
 */
export function exportSkipReason(c: Contact, provider: ProviderKind = 'google'): ReasonCode | null {
  if (provider !== 'google') return null;
  if (!c.firstName) return SKIP_REASONS.missingFirstName;
  if (!c.lastName) return SKIP_REASONS.missingLastName;
  if (c.emails.length === 0 && c.phones.length === 0) return SKIP_REASONS.missingContactPoint;
  return null;
}

export type LinkState = {
  state: 'linked' | 'skipped' | 'deleted';
  remoteId: string | null;
  snapshotHash: string | null;
  crmUpdatedAt: string | null;
  skipCode: string | null;
  pending: boolean;
};

export type ExportDecision =
  | { kind: 'unchanged' }
  | { kind: 'skip'; reason: ReasonCode; isNew: boolean }
  | { kind: 'create' }
  | { kind: 'update' };

/** Decides what to do with one CRM person given its link (base state). Pure. */
export function decideExport(contact: Contact, hash: string, link: LinkState | undefined, provider: ProviderKind = 'google'): ExportDecision {
  const reason = exportSkipReason(contact, provider);
  if (reason) return { kind: 'skip', reason, isNew: !link || link.state !== 'skipped' || link.skipCode !== reason };
  if (!link || !link.remoteId || link.state === 'deleted') return { kind: 'create' };
  if (link.state === 'linked' && link.snapshotHash === hash) return { kind: 'unchanged' };
  return { kind: 'update' };
}

/**
 * B3 mass-delete brake: pause when a run would delete more than `ratio` of linked contacts or more than
 * `max` — but never for fewer than `minDeletes` (small sets: one delete out of four is not a mass delete).
 */
export function shouldPauseDeletes(toDelete: number, linked: number, brake: { max: number; ratio: number; minDeletes?: number }): boolean {
  if (toDelete === 0 || toDelete < (brake.minDeletes ?? DELETE_BRAKE_MIN_DELETES)) return false;
  return toDelete > brake.max || toDelete > Math.floor(linked * brake.ratio);
}
