/**
 * Field-level three-way merge of one linked contact against its last synced snapshot (B5). Pure: the
 * engine applies the plan.
 *
 * Side states:
 * - `{ contact }`          present (compared field by field with the snapshot);
 * - `{ contact: null }`    an explicit delete signal from that side;
 * - `undefined`            not present / never seen. Without a snapshot that means "not there yet"
 *                          (create on that side); with a snapshot it is *not* a delete signal (B3:
 *                          deletes only from explicit signals), so nothing is planned from it.
 *
 * Directions (C4): `two_way` writes both sides; `provider_to_crm` never exports CRM data
 * (`writeProvider` is always false, CRM-only edits stay in the CRM until the provider changes that
 * field, CRM deletes are left alone, provider deletes are mirrored).
 */
import { CONTACT_FIELDS, normalizeContact, type Contact } from './model';

export type ConflictPolicy = 'newest' | 'crm' | 'provider';
export type SideState = { contact: Contact | null; updatedAt: string | null } | undefined;
export type MergeDirection = 'provider_to_crm' | 'two_way';
export type MergeInput = {
  base: Contact | null;
  crm: SideState;
  provider: SideState;
  policy: ConflictPolicy;
  direction: MergeDirection;
  /**
   * What a canonical contact looks like after a write to this provider and a read back (e.g. Graph has
   * no organization phone and no e-mail types). Provider reads are compared with the projected
   * snapshot, so lossy fields are never mistaken for provider edits. Identity when omitted.
   */
  projectForProvider?: (contact: Contact) => Contact;
};
export type FieldConflict = { field: keyof Contact; crmValue: unknown; providerValue: unknown; winner: 'crm' | 'provider' };
export type MergePlan =
  | { action: 'none' }
  | { action: 'create_crm'; contact: Contact }
  | { action: 'create_provider'; contact: Contact }
  | { action: 'update'; merged: Contact; writeCrm: boolean; writeProvider: boolean; conflicts: FieldConflict[] }
  | { action: 'delete_crm' }
  | { action: 'delete_provider' }
  | { action: 'unlink' };

type Field = (typeof CONTACT_FIELDS)[number];

/** Deep equality of two normalized field values (plain JSON data). */
function isEqualValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => isEqualValue(item, other[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => isEqualValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const isEmptyValue = (v: unknown) => v === null || v === undefined || (Array.isArray(v) && v.length === 0);

function isSameContact(a: Contact, b: Contact): boolean {
  return CONTACT_FIELDS.every((f) => isEqualValue(a[f], b[f]));
}

/** Which side wins a true conflict. `newest` compares updatedAt; ties and unknown times go to the CRM. */
function conflictWinner(policy: ConflictPolicy, crmUpdatedAt: string | null, providerUpdatedAt: string | null): 'crm' | 'provider' {
  if (policy !== 'newest') return policy;
  const crm = crmUpdatedAt ? Date.parse(crmUpdatedAt) : Number.NaN;
  const provider = providerUpdatedAt ? Date.parse(providerUpdatedAt) : Number.NaN;
  if (Number.isNaN(provider)) return 'crm';
  if (Number.isNaN(crm)) return 'provider';
  return provider > crm ? 'provider' : 'crm';
}

function mergeFields(
  base: Contact | null,
  crm: Contact,
  provider: Contact,
  project: (c: Contact) => Contact,
  pickConflict: () => 'crm' | 'provider',
  direction: MergeDirection,
): { merged: Contact; conflicts: FieldConflict[] } {
  const merged = { ...crm } as Record<Field, unknown>;
  const conflicts: FieldConflict[] = [];
  const providerBase = base ? project(base) : null;
  const crmAsProvider = project(crm);
  for (const field of CONTACT_FIELDS) {
    const crmValue = crm[field];
    const providerValue = provider[field];
    // Same value, or the same value as far as the provider can hold it: the (richer) CRM value stands.
    if (isEqualValue(crmValue, providerValue) || isEqualValue(crmAsProvider[field], providerValue)) continue;
    let winner: 'crm' | 'provider';
    if (base) {
      const crmChanged = !isEqualValue(crmValue, base[field]);
      const providerChanged = !isEqualValue(providerValue, providerBase![field]);
      if (!providerChanged) continue; // only the CRM changed (or neither): the CRM value stands
      if (!crmChanged || direction === 'provider_to_crm') {
        // Provider-only change, or one-way: a provider change overwrites a CRM edit of the same field.
        merged[field] = providerValue;
        if (crmChanged) conflicts.push({ field, crmValue, providerValue, winner: 'provider' });
        continue;
      }
      winner = pickConflict();
    } else {
      // First link: fill the CRM's gaps from the provider, and keep CRM values the provider lacks.
      if (isEmptyValue(crmValue)) {
        merged[field] = providerValue;
        continue;
      }
      if (isEmptyValue(providerValue)) continue;
      winner = pickConflict();
    }
    merged[field] = winner === 'crm' ? crmValue : providerValue;
    conflicts.push({ field, crmValue, providerValue, winner });
  }
  return { merged: merged as Contact, conflicts };
}

export function planContactMerge(input: MergeInput): MergePlan {
  const { direction } = input;
  const project = (c: Contact) => (input.projectForProvider ? normalizeContact(input.projectForProvider(c)) : c);
  const base = input.base ? normalizeContact(input.base) : null;
  const crm = input.crm?.contact ? normalizeContact(input.crm.contact) : null;
  const provider = input.provider?.contact ? normalizeContact(input.provider.contact) : null;
  const crmDeleted = !!input.crm && input.crm.contact === null;
  const providerDeleted = !!input.provider && input.provider.contact === null;

  if (!crm && !provider) return base && (crmDeleted || providerDeleted) ? { action: 'unlink' } : { action: 'none' };

  if (!base) {
    // Never linked: an explicit delete without a snapshot has nothing to refer to, so treat it as absent.
    if (crm && !provider) return direction === 'two_way' ? { action: 'create_provider', contact: crm } : { action: 'none' };
    if (provider && !crm) return { action: 'create_crm', contact: provider };
  }

  if (base && (!crm || !provider)) {
    // Exactly one side is present.
    if (crm) {
      if (!providerDeleted) return { action: 'none' }; // no delete signal (B3)
      if (direction === 'provider_to_crm') return { action: 'delete_crm' };
      return isSameContact(crm, base) ? { action: 'delete_crm' } : { action: 'create_provider', contact: crm };
    }
    if (!crmDeleted || direction === 'provider_to_crm') return { action: 'none' };
    return isSameContact(provider!, project(base)) ? { action: 'delete_provider' } : { action: 'create_crm', contact: provider! };
  }

  const pick = () => conflictWinner(input.policy, input.crm?.updatedAt ?? null, input.provider?.updatedAt ?? null);
  const { merged, conflicts } = mergeFields(base, crm!, provider!, project, pick, direction);
  const writeCrm = !isSameContact(merged, crm!);
  const writeProvider = direction === 'two_way' && !isSameContact(project(merged), provider!);
  if (!writeCrm && !writeProvider && conflicts.length === 0) return { action: 'none' };
  return { action: 'update', merged, writeCrm, writeProvider, conflicts };
}
