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

/**
 * Records whose files sync (F2). Pipedrive: person, organization, deal, product (when the account has
 * Products). Teamleader: contact, company, deal, project (the current "nextgen" projects), meeting, product.
 */
export type CrmRecordModule = 'person' | 'organization' | 'deal' | 'product' | 'contact' | 'company' | 'project' | 'meeting';

/** A file on a CRM record. `folder` is Teamleader's one-level folder; always null on Pipedrive (no folders). */
export type CrmFile = { id: string; name: string; size: number; folder: string | null; updatedAt: string; mimeType: string | null };

/** What a CRM's file API can and cannot do; the sync engine plans around these instead of asking "which CRM". */
export type CrmFileCapabilities = {
  /** Pipedrive: none; Teamleader: one level (a single folder name per file, no nesting). */
  folders: 'none' | 'one-level';
  /** Pipedrive can rename (PUT name); Teamleader cannot (delete + re-upload, new id). */
  canRename: boolean;
  /** Neither CRM replaces a file's content in place: a content change is delete + upload (new id). */
  canReplaceContent: false;
  /** Neither CRM sends file webhooks: changes made in the CRM are found by listing a record's files. */
  sendsFileEvents: false;
  /** Modules whose records accept uploads (Teamleader meetings and products are list-only: F4 one-way). */
  uploadableModules: readonly CrmRecordModule[];
  /** Modules whose files can be listed. */
  listableModules: readonly CrmRecordModule[];
};

export type CrmFileDownload = { stream: ReadableStream<Uint8Array>; size: number | null };

export type CrmFileUpload = {
  module: CrmRecordModule;
  recordId: string;
  name: string;
  /** Exact byte count of `content` (sent as Content-Length; a stream that disagrees fails the upload). */
  size: number;
  /**
   * The bytes, streamed. Prefer a factory: a retried request (e.g. after a token refresh) needs a fresh
   * stream, and a plain stream can be read only once.
   */
  content: ReadableStream<Uint8Array> | (() => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>);
  contentType?: string;
  /** Teamleader only (one level); ignored where the CRM has no folders. */
  folder?: string | null;
};

export interface CrmFiles {
  readonly capabilities: CrmFileCapabilities;
  /** Every live file on the record (all pages). A file deleted in the CRM is simply absent. */
  listRecordFiles(module: CrmRecordModule, recordId: string): Promise<CrmFile[]>;
  /** Streams the bytes; never buffers the file in the app. */
  downloadFile(id: string): Promise<CrmFileDownload>;
  uploadFile(upload: CrmFileUpload): Promise<CrmFile>;
  /** Only where `capabilities.canRename`. */
  renameFile(id: string, name: string): Promise<CrmFile>;
  deleteFile(id: string): Promise<void>;
  /** The record's display name for folder naming (F3, F9); null when it does not exist (any more). */
  getRecordRef(module: CrmRecordModule, id: string): Promise<{ id: string; name: string } | null>;
  /** Modules `searchRecords` can search (F2 record picker where the CRM has no record panel). */
  readonly searchableModules: readonly CrmRecordModule[];
  /** Up to `limit` records of the module matching `term` (all when empty), by name; only `searchableModules`. */
  searchRecords(module: CrmRecordModule, term: string, limit?: number): Promise<{ id: string; name: string }[]>;
}

export interface CrmClient {
  readonly crm: CrmKind;
  /** File capability (F2–F9). */
  readonly files: CrmFiles;
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
  /**
   * Of these ids, the persons that still exist, with their owner (C4/C5: a person a sweep did not list is
   * asked for once more before its contact is deleted — a listing by offset can skip a record when another
   * is deleted during it). Reads them 100 ids per call.
   */
  existingPersons(ids: string[]): Promise<Map<string, { ownerId: string | null }>>;
  /** Whether the persons returned carry an owner (Teamleader contacts have none). */
  readonly personsHaveOwner: boolean;
  /** Sends an empty organization create: refused (insufficient_permission) or invalid (validation), never created. */
  probeCreateOrganization?(): Promise<void>;
}
