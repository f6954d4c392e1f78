/**
 * Persisted state of the Teamleader Focus emulator. Plain JSON only: the sandbox writes it to disk.
 * Records are stored close to the `contacts.info` wire shape (references flattened to ids) so that the
 * API serializers stay thin.
 */

export type TeamleaderConfig = {
  accessTokenTtlSeconds: number;
  /** Requests per sliding window per integration (client id) per account. */
  rateLimitPerMinute: number;
  rateLimitWindowSeconds: number;
  /** Refresh tokens live "until revoked" per the API Blueprint; set a number to make them expire. */
  refreshTokenTtlSeconds: number | null;
  /** When an already-used refresh token is replayed, also revoke every token of the installation. */
  revokeGrantOnRefreshReuse: boolean;
  /** Teamleader caps contacts + companies per account (10,000 by default); null = no cap. */
  recordLimit: number | null;
  apiVersion: string;
  /** Largest accepted file upload (API limit UNCONFIRMED; the web UI allows 20 MB). */
  fileUploadMaxBytes: number;
};

export type Account = { id: string; name: string; language: string; time_zone: string };

export type TeamleaderUser = {
  id: string;
  account_id: string;
  first_name: string;
  last_name: string;
  email: string;
  language: string;
  function: string | null;
  telephones: Telephone[];
  time_zone: string;
  role: 'admin' | 'regular' | 'restricted';
  can_add_contacts: boolean;
  can_export: boolean;
};

export type Email = { type: 'primary' | 'invoicing'; email: string };
export type Telephone = { type: 'phone' | 'mobile' | 'fax'; number: string };
export type Address = {
  type: 'primary' | 'invoicing' | 'delivery' | 'visiting';
  address: {
    addressee?: string | null;
    line_1: string | null;
    postal_code: string | null;
    city: string | null;
    country: string;
    area_level_two_id?: string | null;
  };
};
export type CustomFieldValue = { id: string; value: unknown };
export type CompanyLink = {
  company_id: string;
  position: string | null;
  secondary_position: string | null;
  division: string | null;
  decision_maker: boolean;
};

export type ContactRecord = {
  id: string;
  account_id: string;
  first_name: string | null;
  last_name: string;
  status: 'active' | 'deactivated';
  salutation: string | null;
  vat_number: string | null;
  emails: Email[];
  telephones: Telephone[];
  website: string | null;
  addresses: Address[];
  gender: 'female' | 'male' | 'non_binary' | 'prefers_not_to_say' | 'unknown' | null;
  birthdate: string | null;
  iban: string | null;
  bic: string | null;
  national_identification_number: string | null;
  language: string | null;
  companies: CompanyLink[];
  remarks: string | null;
  tags: string[];
  custom_fields: CustomFieldValue[];
  marketing_mails_consent: boolean;
  added_at: string;
  updated_at: string;
};

export type CompanyRecord = {
  id: string;
  account_id: string;
  name: string;
  status: 'active' | 'deactivated';
  vat_number: string | null;
  national_identification_number: string | null;
  emails: Email[];
  telephones: Telephone[];
  website: string | null;
  addresses: Address[];
  iban: string | null;
  bic: string | null;
  language: string | null;
  responsible_user_id: string | null;
  remarks: string | null;
  tags: string[];
  custom_fields: CustomFieldValue[];
  marketing_mails_consent: boolean;
  added_at: string;
  updated_at: string;
};

export type CustomFieldContext =
  | 'contact' | 'company' | 'deal' | 'project' | 'milestone' | 'product' | 'invoice' | 'subscription' | 'ticket';

export type CustomFieldDefinition = {
  id: string;
  account_id: string;
  context: CustomFieldContext;
  type: string;
  label: string;
  group: string | null;
  required: boolean;
  configuration: { options?: { id: string; value: string }[]; extra_option_allowed?: boolean } | null;
};

/** Records other than contacts and companies, kept only as far as files need them (subject + name). */
export type SubjectType = 'deal' | 'nextgenProject' | 'project' | 'meeting' | 'product' | 'invoice' | 'creditNote' | 'ticket';
export type OtherRecord = { id: string; account_id: string; type: SubjectType; name: string; added_at: string; updated_at: string };

/** A file on a record (reference §4.6): one-level `folder`, no rename, no content replace. */
export type FileRecord = {
  id: string;
  account_id: string;
  subject: { type: string; id: string };
  name: string;
  mime_type: string;
  size: number;
  folder: string;
  uploaded_by: string | null;
  updated_at: string;
  /** File bytes, base64 (the sandbox holds small files only). */
  base64: string;
};

/** A signed upload or download location handed out by files.upload / files.download. */
export type FileTransfer =
  | { token: string; kind: 'upload'; account_id: string; user_id: string; name: string; subject: { type: string; id: string }; folder: string; expires_at: number; used: boolean }
  | { token: string; kind: 'download'; account_id: string; file_id: string; expires_at: number };

export type Webhook = { account_id: string; client_id: string; url: string; types: string[] };

/** One user's grant of the integration (what the Marketplace shows as "installed"). */
export type Installation = {
  id: string;
  account_id: string;
  user_id: string;
  client_id: string;
  installed_at: string;
  uninstalled_at: string | null;
};

export type AuthorizationCode = {
  code: string;
  installation_id: string;
  client_id: string;
  redirect_uri: string | null;
  expires_at: number;
  used: boolean;
};

export type AccessToken = { installation_id: string; expires_at: number; revoked: boolean };
export type RefreshToken = {
  installation_id: string;
  issued_at: number;
  expires_at: number | null;
  used_at: number | null;
  revoked: boolean;
};

export type TeamleaderState = {
  version: 1;
  config: TeamleaderConfig;
  accounts: Account[];
  users: TeamleaderUser[];
  contacts: Record<string, ContactRecord>;
  companies: Record<string, CompanyRecord>;
  customFieldDefinitions: CustomFieldDefinition[];
  otherRecords: Record<string, OtherRecord>;
  files: Record<string, FileRecord>;
  fileTransfers: Record<string, FileTransfer>;
  webhooks: Webhook[];
  installations: Installation[];
  authorizationCodes: AuthorizationCode[];
  accessTokens: Record<string, AccessToken>;
  refreshTokens: Record<string, RefreshToken>;
  /** How many generate-contacts rows exist per account (keeps generated ids deterministic). */
  generatedContacts: Record<string, number>;
};

export const defaultConfig = (): TeamleaderConfig => ({
  accessTokenTtlSeconds: 3600,
  rateLimitPerMinute: 200,
  rateLimitWindowSeconds: 60,
  refreshTokenTtlSeconds: null,
  revokeGrantOnRefreshReuse: false,
  recordLimit: null,
  apiVersion: '2023-09-26',
  fileUploadMaxBytes: 20 * 1024 * 1024,
});

export const WEBHOOK_TYPES = [
  'account.deactivated', 'account.deleted',
  'company.added', 'company.deleted', 'company.updated',
  'contact.added', 'contact.deleted', 'contact.updated', 'contact.linkedToCompany',
  'contact.unlinkedFromCompany', 'contact.updatedLinkToCompany',
  'deal.created', 'deal.deleted', 'deal.lost', 'deal.moved', 'deal.updated', 'deal.won',
  'meeting.created', 'meeting.completed', 'meeting.deleted', 'meeting.updated',
  'nextgenProject.created', 'nextgenProject.updated', 'nextgenProject.closed', 'nextgenProject.deleted',
  'product.added', 'product.updated', 'product.deleted',
  'project.created', 'project.deleted', 'project.updated',
  'task.completed', 'task.created', 'task.deleted', 'task.updated',
  'user.deactivated',
] as const;
