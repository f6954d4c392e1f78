/**
 * Setup checks for syncs that write into the CRM:
 * - C2: the user must be allowed to add people and organizations. Neither CRM exposes that permission,
 *   so we probe: an empty create is refused with 403 without permission and with a validation error
 *   (nothing created) with it.
 * - C9: Pipedrive's contact-sync fields (job_title, birthday, postal_address, notes, im) exist only when
 *   the company enabled contact sync; otherwise Synclane creates its own custom fields and maps to them.
 */
import { crmClientFor } from '@/lib/crm';
import { createPipedriveClient } from '@/lib/crm/pipedrive/client';
import type { PipedriveFieldMap } from '@/lib/crm/pipedrive/mapper';
import { SyncError } from '@/lib/errors';
import type { Tenant } from '@/lib/tenant';

export const CONTACT_SYNC_FIELDS: { key: keyof PipedriveFieldMap; native: string; label: string; type: string }[] = [
  { key: 'jobTitle', native: 'job_title', label: 'Job title', type: 'varchar' },
  { key: 'birthday', native: 'birthday', label: 'Birthday', type: 'date' },
  { key: 'postalAddress', native: 'postal_address', label: 'Postal address', type: 'varchar' },
  { key: 'notes', native: 'notes', label: 'Notes', type: 'text' },
  { key: 'im', native: 'im', label: 'Instant messenger', type: 'varchar' },
];

const PERMISSION_NAMES = {
  pipedrive: { people: '“Add people”', organizations: '“Add organizations”' },
  teamleader: { people: 'permission to add contacts (and export rights)', organizations: 'permission to add companies' },
};

async function canCreate(attempt: () => Promise<unknown>): Promise<boolean> {
  try {
    await attempt();
    return true;
  } catch (error) {
    if (error instanceof SyncError && error.code === 'insufficient_permission') return false;
    if (error instanceof SyncError && error.code === 'validation') return true;
    throw error;
  }
}

/** C2: the CRM rights contact sync needs (codes; the UI words them, lib/i18n `contacts.permissionMissing`). */
export const CRM_PERMISSIONS = ['add_people', 'add_organizations'] as const;
export type CrmPermission = (typeof CRM_PERMISSIONS)[number];

/**
 * C2: which of the needed rights the user lacks, checked when the settings open (before anything is linked).
 * Both are probed — a user missing both learns it at once. The probes are empty creates, refused for lack of
 * permission or rejected as invalid: the CRM is left unchanged.
 */
export async function missingCrmPermissions(tenant: Tenant): Promise<CrmPermission[]> {
  const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
  const missing: CrmPermission[] = [];
  if (!(await canCreate(() => crm.createPerson({})))) missing.push('add_people');
  // Provider companies become CRM organizations, so that permission is needed too (where the CRM has it).
  if (crm.probeCreateOrganization && !(await canCreate(() => crm.probeCreateOrganization!()))) missing.push('add_organizations');
  return missing;
}

export async function checkCrmPermissions(tenant: Tenant): Promise<void> {
  const missing = await missingCrmPermissions(tenant);
  if (!missing.length) return;
  const crmName = tenant.crm === 'pipedrive' ? 'Pipedrive' : 'Teamleader';
  const names = missing.map((m) => PERMISSION_NAMES[tenant.crm][m === 'add_people' ? 'people' : 'organizations']).join(' and ');
  throw new SyncError(
    'insufficient_permission',
    `Your ${crmName} user lacks the ${names} permission, which contact sync needs to create people and the companies of your contacts. Ask an admin to grant it, then try again.`,
    { detail: { missing } },
  );
}

export async function prepareCrmFields(tenant: Tenant): Promise<Record<string, string>> {
  await checkCrmPermissions(tenant);
  if (tenant.crm !== 'pipedrive') return {};
  const client = crmClientFor({ id: tenant.crmUserId, crm: 'pipedrive', apiDomain: tenant.apiDomain }) as ReturnType<typeof createPipedriveClient>;
  const fields = await client.listPersonFields();
  const byKey = new Set(fields.map((f) => f.key));
  const map: Record<string, string> = {};
  for (const f of CONTACT_SYNC_FIELDS) {
    if (byKey.has(f.native)) continue; // Pipedrive's own contact-sync field exists: use it.
    const name = `${f.label} (Synclane)`;
    const existing = fields.find((x) => x.name === name);
    if (existing) {
      map[f.key] = existing.key;
      continue;
    }
    try {
      map[f.key] = (await client.createPersonField(name, f.type)).key;
    } catch (error) {
      // Only admins may add fields; a regular user's sync simply leaves this field out (shown in the field list).
      if (error instanceof SyncError && error.code === 'insufficient_permission') continue;
      throw error;
    }
  }
  return map;
}
