/**
 * Persisted state of the Pipedrive emulator. Plain JSON only (the sandbox writes it to disk).
 * Times are epoch milliseconds truncated to whole seconds (Pipedrive v2 exposes RFC 3339 with second
 * precision, so the stored value is exactly what clients see).
 */

/** Old plan names (support articles) and current ones; see plans.ts for what each allows. */
export type PlanName =
  | 'lite' | 'growth' | 'premium' | 'ultimate'
  | 'essential' | 'advanced' | 'professional' | 'power' | 'enterprise';

export type Company = {
  id: number;
  name: string;
  domain: string;
  country: string;
  industry: string | null;
  plan: PlanName;
  /** Whether the company has set up Pipedrive Contact Sync (creates job_title, birthday, postal_address, notes, im). */
  contactSyncFields: boolean;
  /** Overrides the plan's custom-field cap when set (tests use 0 to hit `feature_capping_custom_fields`). */
  customFieldLimit: number | null;
  defaultCurrency: string;
  /** Whether the Products feature is switched on for the company (F2: "products where the account has them"). */
  productsEnabled: boolean;
  /** Overrides the daily token budget (30,000 × plan multiplier × seats) when set. */
  dailyTokenBudget?: number | null;
};

export type User = {
  id: number;
  companyId: number;
  name: string;
  email: string;
  locale: string;
  lang: number;
  timezoneName: string;
  timezoneOffset: string;
  isAdmin: boolean;
  /** Global permissions "add people" / "add organizations" (not exposed by /permissions, only enforced). */
  canAddPersons: boolean;
  canAddOrganizations: boolean;
  activeFlag: boolean;
  createdAt: number;
};

export type LabeledValue = { value: string; primary: boolean; label: string };

export type Address = {
  value: string | null;
  country: string | null;
  admin_area_level_1: string | null;
  admin_area_level_2: string | null;
  locality: string | null;
  sublocality: string | null;
  route: string | null;
  street_number: string | null;
  subpremise: string | null;
  postal_code: string | null;
};

export type PersonRecord = {
  id: number;
  companyId: number;
  name: string;
  first_name: string | null;
  last_name: string | null;
  owner_id: number;
  org_id: number | null;
  add_time: number;
  update_time: number;
  is_deleted: boolean;
  visible_to: number;
  label_ids: number[];
  picture_id: number | null;
  emails: LabeledValue[];
  phones: LabeledValue[];
  /** Contact-sync fields: stored always, exposed only while the company has contact sync enabled. */
  im: LabeledValue[];
  postal_address: Address | null;
  notes: string | null;
  birthday: string | null;
  job_title: string | null;
  custom_fields: Record<string, unknown>;
};

export type OrganizationRecord = {
  id: number;
  companyId: number;
  name: string;
  owner_id: number;
  add_time: number;
  update_time: number;
  is_deleted: boolean;
  visible_to: number;
  label_ids: number[];
  address: Address | null;
  website: string | null;
  linkedin: string | null;
  industry: number | null;
  annual_revenue: number | null;
  employee_count: number | null;
  custom_fields: Record<string, unknown>;
};

export type DealRecord = {
  id: number;
  companyId: number;
  title: string;
  owner_id: number;
  person_id: number | null;
  org_id: number | null;
  pipeline_id: number;
  stage_id: number;
  value: number;
  currency: string;
  status: 'open' | 'won' | 'lost';
  add_time: number;
  update_time: number;
  is_deleted: boolean;
  visible_to: number;
  expected_close_date: string | null;
  probability: number | null;
};

export type ProductRecord = {
  id: number;
  companyId: number;
  name: string;
  code: string | null;
  unit: string | null;
  owner_id: number;
  add_time: number;
  update_time: number;
  is_deleted: boolean;
  visible_to: number;
};

/** A file attached to a person, organization, deal or product (reference §3.7). No folders exist. */
export type FileRecord = {
  id: number;
  companyId: number;
  userId: number;
  deal_id: number | null;
  person_id: number | null;
  org_id: number | null;
  product_id: number | null;
  /** The uploaded file's own name; `name` is the visible name PUT can change. */
  file_name: string;
  name: string;
  description: string | null;
  contentType: string;
  file_size: number;
  /** false once deleted (soft delete; Pipedrive purges after 30 days). */
  active_flag: boolean;
  add_time: number;
  update_time: number;
  /** File bytes, base64 (kept in state so files survive restarts; the sandbox holds small files only). */
  base64: string;
};

export type CustomPersonField = {
  id: number;
  companyId: number;
  key: string;
  name: string;
  field_type: string;
  options: { id: number; label: string }[] | null;
  add_visible_flag: boolean;
  add_time: number;
  update_time: number;
  createdByUserId: number;
  active: boolean;
};

export type Picture = {
  id: number;
  companyId: number;
  personId: number;
  contentType: string;
  fileName: string;
  /** Image bytes, base64 (kept in state so pictures survive restarts). */
  base64: string;
  addedByUserId: number;
  add_time: number;
};

export type Installation = {
  companyId: number;
  userId: number;
  clientId: string;
  scope: string;
  installedAt: number;
};

export type AuthCode = {
  code: string;
  clientId: string;
  redirectUri: string;
  companyId: number;
  userId: number;
  expiresAt: number;
  used: boolean;
};

export type AccessToken = { token: string; companyId: number; userId: number; clientId: string; expiresAt: number };

export type RefreshToken = { token: string; companyId: number; userId: number; clientId: string; expiresAt: number };

export type Webhook = {
  id: number;
  companyId: number;
  /** The installation that created it (app webhooks die with the install). */
  ownerId: number;
  clientId: string;
  userId: number;
  event_action: string;
  event_object: string;
  subscription_url: string;
  version: '1.0' | '2.0';
  name: string;
  http_auth_user: string | null;
  http_auth_password: string | null;
  add_time: number;
  last_delivery_time: number | null;
  last_http_status: number | null;
};

export type PipedriveSettings = {
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  authCodeTtlSeconds: number;
  /** Overrides the plan's burst limit for every company when set (tests, benchmarks); null = per plan. */
  burstLimit: number | null;
  burstWindowMs: number;
  /** Largest accepted `POST /v1/files` upload (Pipedrive's limit is UNCONFIRMED; 50 MB is commonly cited). */
  fileMaxBytes: number;
};

export type PipedriveState = {
  version: 1;
  settings: PipedriveSettings;
  nextIds: { person: number; organization: number; deal: number; field: number; webhook: number; picture: number; product: number; file: number };
  companies: Company[];
  users: User[];
  persons: PersonRecord[];
  organizations: OrganizationRecord[];
  deals: DealRecord[];
  products: ProductRecord[];
  files: FileRecord[];
  customPersonFields: CustomPersonField[];
  pictures: Picture[];
  installations: Installation[];
  authCodes: AuthCode[];
  accessTokens: AccessToken[];
  refreshTokens: RefreshToken[];
  webhooks: Webhook[];
};

/** Who caused a change, for webhook `meta.change_source` and `meta.user_id`. */
export type ChangeActor = { userId: number; source: 'app' | 'api' };

/** A person as API v2 returns it (contact-sync keys only present when the company has them). */
export type PersonV2 = {
  id: number;
  name: string;
  first_name: string | null;
  last_name: string | null;
  add_time: string;
  update_time: string;
  visible_to: number;
  custom_fields: Record<string, unknown>;
  owner_id: number;
  label_ids: number[];
  org_id: number | null;
  is_deleted: boolean;
  picture_id: number | null;
  phones: LabeledValue[];
  emails: LabeledValue[];
  postal_address?: Address | null;
  notes?: string | null;
  im?: LabeledValue[];
  birthday?: string | null;
  job_title?: string | null;
};
