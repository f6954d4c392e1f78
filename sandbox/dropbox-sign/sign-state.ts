/**
 * Plain-JSON state of the Dropbox Sign emulator (persisted by the sandbox between restarts).
 * Wire names (snake_case) are produced by the API layer; the state uses our own camelCase shapes.
 */

export type SignAccount = {
  accountId: string;
  email: string;
  name: string;
  /** Primary API key: Basic auth username, and the HMAC key of this account's callbacks' event_hash. */
  apiKey: string;
  callbackUrl: string | null;
  teamId: string | null;
  /** Team role as /team shows it: 'a' admin, 'm' member (role_code on the wire). */
  roleCode: 'a' | 'm' | null;
  locale: string;
  isPaid: boolean;
};

export type SignTeam = { teamId: string; name: string };

export type SignerStatus = 'awaiting_signature' | 'signed' | 'declined';

export type StoredSigner = {
  signatureId: string;
  email: string;
  name: string;
  order: number | null;
  statusCode: SignerStatus;
  signedAt: number | null;
  lastViewedAt: number | null;
  lastRemindedAt: number | null;
  declineReason: string | null;
};

export type StoredDocument = { name: string; /** Original bytes, base64. */ base64: string };

export type StoredRequest = {
  id: string;
  requesterAccountId: string;
  requesterEmail: string;
  title: string;
  subject: string | null;
  message: string | null;
  metadata: Record<string, unknown>;
  ccEmails: string[];
  signers: StoredSigner[];
  documents: StoredDocument[];
  testMode: boolean;
  /** API app that created it (OAuth token or `client_id` param): its app callback URL gets the events. */
  clientId: string | null;
  createdAt: number; // unix ms
  completedAt: number | null;
  /** Files answer 409 until this moment (ms); set at send and again when the last signer signs. */
  filesReadyAt: number;
  /** `signature_request_downloadable` already reported for the completed files. */
  downloadableReported: boolean;
  canceledAt: number | null;
};

export type ApiApp = {
  clientId: string;
  clientSecret: string;
  name: string;
  ownerAccountId: string;
  oauthCallbackUrl: string;
  eventCallbackUrl: string | null;
  scopes: string[];
};

export type OAuthCode = { code: string; clientId: string; accountId: string; state: string | null; scopes: string[]; expiresAt: number; used: boolean };
export type OAuthGrant = {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  accountId: string;
  scopes: string[];
  accessExpiresAt: number;
  revoked: boolean;
};

export type SignConfig = {
  /** How long files answer 409 after send and after the last signature (ms). */
  filesPreparingMs: number;
  /** Delays before each callback retry (ms). Real service: exponential backoff over about 3 days. */
  callbackRetryDelaysMs: number[];
  /** Account callbacks for accounts that are only CC'd — undocumented by the vendor, so off by default. */
  callbacksToCcAccounts: boolean;
  /** Requests per minute per account: standard endpoints / high tier (send, files) / test mode. */
  rateLimitStandard: number;
  rateLimitHighTier: number;
  rateLimitTestMode: number;
  accessTokenTtlSeconds: number;
};

export const DEFAULT_CONFIG: SignConfig = {
  filesPreparingMs: 3000,
  // Sandbox schedule: 10 attempts over about 10 minutes instead of about 3 days.
  callbackRetryDelaysMs: [5_000, 10_000, 20_000, 40_000, 60_000, 90_000, 120_000, 120_000, 120_000],
  callbacksToCcAccounts: false,
  rateLimitStandard: 100,
  rateLimitHighTier: 25,
  rateLimitTestMode: 10,
  accessTokenTtlSeconds: 3600,
};

export type SignState = {
  version: 1;
  config: SignConfig;
  accounts: Record<string, SignAccount>; // by account id
  teams: Record<string, SignTeam>;
  apps: Record<string, ApiApp>; // by client id
  requests: Record<string, StoredRequest>;
  /** Creation order, newest last (list answers newest first). */
  requestOrder: string[];
  codes: Record<string, OAuthCode>;
  grants: Record<string, OAuthGrant>; // by access token
  /** Signed, expiring download links handed out by files_as_file_url: token → { requestId, expiresAt }. */
  fileLinks: Record<string, { requestId: string; expiresAt: number; forceDownload: boolean }>;
  counter: number;
};
