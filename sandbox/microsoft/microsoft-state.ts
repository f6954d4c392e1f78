/**
 * Persisted state of the Microsoft emulator (plain JSON: the sandbox writes it to DATA_DIR) and the
 * constants every role file shares.
 */

/** `tid` Microsoft uses for personal (MSA) accounts such as @outlook.com. */
export const CONSUMER_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const GRAPH_PREFIX = '/graph/v1.0';
export const DEFAULT_FOLDER_NAME = 'Contacts';

/** Undocumented Outlook limits (providers.md §5.3); keys are the wire property names. */
export const MULTI_VALUE_LIMITS = {
  emailAddresses: { wireName: 'EmailAddresses', max: 3 },
  businessPhones: { wireName: 'BusinessPhones', max: 2 },
  homePhones: { wireName: 'HomePhones', max: 2 },
  imAddresses: { wireName: 'ImAddresses', max: 3 },
} as const;

export type MicrosoftConfig = {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  authorizationCodeTtlSeconds: number;
  deltaTokenLifetimeSeconds: number;
  /** Outlook: 10,000 requests per app per mailbox per 10 minutes. */
  requestsPer10Min: number;
  /** Outlook: 4 concurrent requests per app per mailbox. */
  maxConcurrent: number;
  /** Artificial latency added to every Graph request (lets tests hit the concurrency limit). */
  latencyMs: number;
};

export const DEFAULT_CONFIG: MicrosoftConfig = {
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 90 * 24 * 3600,
  authorizationCodeTtlSeconds: 600,
  deltaTokenLifetimeSeconds: 7 * 24 * 3600,
  requestsPer10Min: 10_000,
  maxConcurrent: 4,
  latencyMs: 0,
};

export type PhysicalAddress = { street?: string; city?: string; state?: string; countryOrRegion?: string; postalCode?: string };
export type EmailAddress = { name?: string; address?: string };

/** Writable contact properties (providers.md §5.3), stored exactly as they go on the wire. */
export type ContactFields = {
  categories: string[];
  birthday: string | null;
  fileAs: string | null;
  displayName: string | null;
  givenName: string | null;
  initials: string | null;
  middleName: string | null;
  nickName: string | null;
  surname: string | null;
  title: string | null;
  yomiGivenName: string | null;
  yomiSurname: string | null;
  yomiCompanyName: string | null;
  generation: string | null;
  imAddresses: string[];
  jobTitle: string | null;
  companyName: string | null;
  department: string | null;
  officeLocation: string | null;
  profession: string | null;
  businessHomePage: string | null;
  assistantName: string | null;
  manager: string | null;
  homePhones: string[];
  mobilePhone: string | null;
  businessPhones: string[];
  spouseName: string | null;
  personalNotes: string | null;
  children: string[];
  emailAddresses: EmailAddress[];
  homeAddress: PhysicalAddress;
  businessAddress: PhysicalAddress;
  otherAddress: PhysicalAddress;
};

export type OpenExtension = { extensionName: string; [property: string]: unknown };
export type StoredPhoto = { contentType: string; base64: string; width: number; height: number };

export type StoredContact = {
  /** Stable across folder moves (returned with `Prefer: IdType="ImmutableId"`). */
  immutableId: string;
  /** Changes when the contact moves to another folder. */
  regularId: string;
  folderId: string;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  /** Mailbox change sequence of the last write; drives delta queries. */
  seq: number;
  /** Creation order, the default list order. */
  createdSeq: number;
  fields: ContactFields;
  extensions: OpenExtension[];
  photo: StoredPhoto | null;
};

/** A removal from a folder (delete, or move out), reported by delta as `@removed`. */
export type Tombstone = { seq: number; immutableId: string; regularId: string; folderId: string; at: number };

export type ContactFolder = { id: string; displayName: string; parentFolderId: string; isDefault?: boolean };

export type MicrosoftAccount = {
  /** Graph user id / `oid`. */
  id: string;
  email: string;
  displayName: string;
  givenName: string;
  surname: string;
};

export type Mailbox = {
  /** Id of the (hidden) root folder: parent of the default folder and of top-level folders. */
  rootFolderId: string;
  defaultFolderId: string;
  folders: Record<string, ContactFolder>;
  /** Keyed by immutable id. */
  contacts: Record<string, StoredContact>;
  tombstones: Tombstone[];
  changeSeq: number;
  /** Bumped by invalidateDeltaTokens(): every older delta/skip token answers 410. */
  deltaEpoch: number;
};

export type AuthorizationCode = {
  accountEmail: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
  redeemed?: boolean;
};

export type AccessTokenGrant = { accountEmail: string; clientId: string; scope: string; expiresAt: number };
export type RefreshTokenGrant = AccessTokenGrant & { status: 'active' | 'rotated' | 'revoked' };

export type MicrosoftState = {
  version: 1;
  config: MicrosoftConfig;
  signingKey: { kid: string; privateJwk: JsonWebKey; publicJwk: JsonWebKey };
  /** Secret that makes skip/delta tokens tamper-evident (unknown token → 410). */
  tokenSecret: string;
  accounts: Record<string, MicrosoftAccount>;
  /** Keyed by account email. */
  mailboxes: Record<string, Mailbox>;
  authorizationCodes: Record<string, AuthorizationCode>;
  accessTokens: Record<string, AccessTokenGrant>;
  refreshTokens: Record<string, RefreshTokenGrant>;
  /** Requests per mailbox and HTTP method. */
  requestCounts: Record<string, Record<string, number>>;
  idCounter: number;
  /** Change-notification subscriptions by id (graph-subscriptions.ts). */
  subscriptions?: Record<string, StoredSubscription>;
};

/** A Graph change-notification subscription as the emulator stores it (graph-subscriptions.ts serves them). */
export type StoredSubscription = {
  id: string;
  accountEmail: string;
  applicationId: string;
  resource: string;
  /** Folder the resource names (the default folder for `me/contacts`). */
  folderId: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  immutableIds: boolean;
};
