/**
 * Persisted state of the Google emulator. Everything here is plain JSON: the sandbox writes it to
 * DATA_DIR between restarts, so tokens, sync tokens and contacts survive a restart.
 */

export type GoogleConfig = {
  accessTokenTtlSeconds: number;
  syncTokenLifetimeSeconds: number;
  /** Writes become visible to incremental sync reads only this long after they happen. */
  propagationDelayMs: number;
  readQuotaPerMinute: number;
  writeQuotaPerMinute: number;
  authorizationCodeTtlSeconds: number;
  /** 0 = refresh tokens never expire; 604800 models an app in "Testing" publishing status. */
  refreshTokenLifetimeSeconds: number;
};

export const DEFAULT_CONFIG: GoogleConfig = {
  accessTokenTtlSeconds: 3600,
  syncTokenLifetimeSeconds: 7 * 24 * 3600,
  propagationDelayMs: 0,
  readQuotaPerMinute: 600,
  writeQuotaPerMinute: 600,
  authorizationCodeTtlSeconds: 600,
  refreshTokenLifetimeSeconds: 0,
};

export type SigningKey = { kid: string; privateJwk: JsonWebKey; publicJwk: JsonWebKey };

/** Input fields of a Person as stored (no output-only fields, no memberships, no photos). */
export type PersonFields = Record<string, unknown>;

export type StoredContact = {
  resourceName: string;
  person: PersonFields;
  /** Group resource names including contactGroups/myContacts and contactGroups/starred. */
  groups: string[];
  photoId?: string;
  etag: string;
  createTime: number;
  updateTime: number;
  /** Account-wide write sequence of the last change (drives sync tokens and LAST_MODIFIED sorting). */
  seq: number;
  /** ctx.now() at which the last change becomes visible to incremental sync. */
  visibleAt: number;
  deleted?: boolean;
};

export type StoredGroup = {
  resourceName: string;
  name: string;
  groupType: 'SYSTEM_CONTACT_GROUP' | 'USER_CONTACT_GROUP';
  clientData?: { key: string; value: string }[];
  etag: string;
  updateTime: number;
  seq: number;
  deleted?: boolean;
};

export type StoredPhoto = { contentType: string; base64: string };

export type GoogleAccount = {
  email: string;
  sub: string;
  name: string;
  givenName: string;
  familyName: string;
  locale: string;
  /** Numeric prefix that makes contact ids of this account unique and stable. */
  idPrefix: string;
  nextContactNumber: number;
  nextGroupNumber: number;
  seq: number;
  contacts: Record<string, StoredContact>;
  groups: Record<string, StoredGroup>;
  photos: Record<string, StoredPhoto>;
  requestCounts: Record<string, number>;
};

export type AuthorizationCode = {
  clientId: string;
  redirectUri: string;
  email: string;
  scope: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
  offline: boolean;
  issueRefreshToken: boolean;
  expiresAt: number;
  used?: boolean;
};

export type AccessTokenRecord = {
  email: string;
  clientId: string;
  scope: string;
  expiresAt: number;
  refreshToken?: string;
};

export type RefreshTokenRecord = {
  email: string;
  clientId: string;
  scope: string;
  createdAt: number;
  revoked?: boolean;
};

export type GoogleState = {
  version: 1;
  signingKey: SigningKey;
  config: GoogleConfig;
  accounts: Record<string, GoogleAccount>;
  codes: Record<string, AuthorizationCode>;
  accessTokens: Record<string, AccessTokenRecord>;
  refreshTokens: Record<string, RefreshTokenRecord>;
};
