/**
 * The CRM port: what the sync engine and the UI need from a CRM, in our canonical shapes.
 * lib/crm/pipedrive and lib/crm/teamleader implement it; lib/sync never sees vendor payloads.
 */
export type CrmKind = 'pipedrive' | 'teamleader';

export type LabeledValue = { value: string; label: string; primary?: boolean };

export type PostalAddress = {
  street?: string;
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
  formatted?: string;
};

export type CrmPerson = {
  id: string;
  firstName: string | null;
  lastName: string | null;
  name: string | null;
  emails: LabeledValue[];
  phones: LabeledValue[];
  ownerId: string | null;
  orgId: string | null;
  jobTitle: string | null;
  notes: string | null;
  /** YYYY-MM-DD, or --MM-DD without a year. */
  birthday: string | null;
  postalAddress: PostalAddress | null;
  ims: LabeledValue[];
  hasPicture: boolean;
  updatedAt: string;
  webUrl: string;
  /** Listing rows that lack fields only the detail call returns (Teamleader: company link, position, remarks). */
  partial?: boolean;
};

export type CrmOrganization = { id: string; name: string; phone: string | null; address: PostalAddress | null };

export type CrmUserInfo = {
  userId: string;
  name: string;
  email: string | null;
  locale: string | null;
  isAdmin: boolean;
  companyId: string;
  companyName: string;
  companyDomain: string | null;
};

export type PersonPage = {
  items: CrmPerson[];
  nextCursor: string | null;
  invalid: { id: string; reason: string }[];
  /**
   * The CRM's own clock when it answered (HTTP `Date`, second precision), when known: update times are
   * compared with this, never with ours (clock skew).
   */
  serverTime?: string | null;
};

export type PersonInput = Partial<Omit<CrmPerson, 'id' | 'updatedAt' | 'webUrl' | 'hasPicture' | 'orgId'>> & {
  orgId?: string | null;
  visibleTo?: number | null;
};

export type RecordSummary = { resource: string; id: string; title: string; fields: { label: string; value: string }[]; webUrl: string };

export interface CrmClient {
  readonly crm: CrmKind;
  getMe(): Promise<CrmUserInfo>;
  /** Pages through persons; `updatedSince` is inclusive. `ownerId` filters on the owner where the CRM has one. */
  listPersons(args: { cursor?: string | null; updatedSince?: string | null; ownerId?: string | null; limit?: number }): Promise<PersonPage>;
  getPerson(id: string): Promise<CrmPerson | null>;
  createPerson(input: PersonInput): Promise<CrmPerson>;
  updatePerson(id: string, input: PersonInput): Promise<CrmPerson>;
  deletePerson(id: string): Promise<void>;
  getOrganizations(ids: string[]): Promise<Map<string, CrmOrganization>>;
  findOrCreateOrganization(name: string): Promise<CrmOrganization>;
  getRecord(resource: 'person' | 'organization' | 'deal', id: string): Promise<RecordSummary | null>;
  /**
   * Exact-match person search (crash recovery: find the twin of a create whose answer was lost).
   * Returns ids with their owner; optional — CRMs without it simply cannot adopt twins.
   */
  searchPersons?(term: string, field: 'email' | 'name' | 'phone'): Promise<{ id: string; ownerId: string | null }[]>;
  /** Whether the persons returned carry an owner (Teamleader contacts have none). */
  readonly personsHaveOwner: boolean;
  /** Sends an empty organization create: refused (insufficient_permission) or invalid (validation), never created. */
  probeCreateOrganization?(): Promise<void>;
}
