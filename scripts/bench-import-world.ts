/**
 * The import benchmark's world, built inside whichever process runs the sandbox (this one, or the child of
 * scripts/bench-sandbox-process.ts): N generated contacts in the provider's "Clients" group/folder, and
 * what the minimums are computed from. Kept next to the sandbox so 100k contacts never cross the pipe.
 */
import type { Sandbox } from '../sandbox/server';

export type ImportScope = {
  /** Google contact group resource name / Outlook folder id of "Clients". */
  groupId: string;
  /** Contacts in Clients, demo ones included. */
  inScope: number;
  /** Contacts the listing reads (Google: the whole account, `connections.list` has no group filter). */
  listed: number;
  /** Distinct company names of the contacts in scope. */
  orgNames: number;
  /** Contacts in scope with a company name (Teamleader links each to its company with a second call). */
  withOrg: number;
};

export function generateImportScope(sandbox: Sandbox, provider: 'google' | 'microsoft', email: string, n: number): ImportScope {
  if (provider === 'google') {
    const group = sandbox.google.groups(email).find((g) => g.name === 'Clients');
    if (!group) throw new Error('Google group Clients not found');
    const groupId = group.resourceName;
    sandbox.google.generateContacts(email, n, groupId);
    const inScope = sandbox.google.groups(email).find((g) => g.name === 'Clients')!.memberCount;
    const all = sandbox.google.contacts(email) as { memberships?: { contactGroupMembership?: { contactGroupResourceName?: string } }[]; organizations?: { name?: string }[] }[];
    const companies = all
      .filter((p) => (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === groupId))
      .map((p) => p.organizations?.[0]?.name)
      .filter((x): x is string => !!x);
    return { groupId, inScope, listed: all.length, orgNames: new Set(companies).size, withOrg: companies.length };
  }
  const folder = sandbox.microsoft.folders(email).find((f) => f.displayName === 'Clients');
  if (!folder) throw new Error('Outlook folder Clients not found');
  sandbox.microsoft.generateContacts(email, folder.id, n);
  const inFolder = sandbox.microsoft.contacts(email, folder.id);
  const companies = inFolder.map((c) => c.fields.companyName).filter((x): x is string => !!x);
  return { groupId: folder.id, inScope: inFolder.length, listed: inFolder.length, orgNames: new Set(companies).size, withOrg: companies.length };
}

/** Live (not deleted) Pipedrive persons of a company. */
export const livePersonCount = (sandbox: Sandbox, companyId: number) => sandbox.pipedrive.persons(companyId).filter((p) => !p.is_deleted).length;

/** Teamleader contacts of an account. */
export const teamleaderContactCount = (sandbox: Sandbox, accountId: string) => sandbox.teamleader.contacts(accountId).length;
