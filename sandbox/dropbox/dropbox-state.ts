/**
 * Persisted state of the Dropbox emulator (plain JSON: the sandbox writes it to DATA_DIR) and the
 * constants every role file shares. File bytes live in the state as base64 (demo sizes).
 */

/** One request body (files/upload, upload_session/*) may carry at most 150 MiB (providers.md §1.6). */
export const MAX_REQUEST_BYTES = 150 * 1024 * 1024;
/** Largest file an upload session may build: 2^41 − 2^22 bytes (files.stone). */
export const MAX_SESSION_BYTES = 2 ** 41 - 2 ** 22;
/** Concurrent upload sessions accept only multiples of 4 MiB except in the closing append. */
export const CONCURRENT_CHUNK_BYTES = 4 * 1024 * 1024;
export const UPLOAD_SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

export const DROPBOX_SCOPES = [
  'account_info.read',
  'files.metadata.read',
  'files.metadata.write',
  'files.content.read',
  'files.content.write',
] as const;

export type DropboxConfig = {
  /** Dropbox short-lived tokens last 4 hours. */
  accessTokenTtlSeconds: number;
  authorizationCodeTtlSeconds: number;
  /** Per access token; over it → 429 too_many_requests with Retry-After. 0 = unlimited. */
  requestsPerMinute: number;
  /**
   * How long a write holds the account's namespace lock. While held, another write to the same account
   * answers 429 too_many_write_operations (lock contention, providers.md §1.10). 0 = writes are instant.
   */
  writeLockMs: number;
  /** Send webhook notifications to the registered URI. */
  webhooksEnabled: boolean;
  /** Retry-After (seconds) sent with 429 answers. */
  retryAfterSeconds: number;
  /** Upper bound for list_folder/longpoll waits (the real minimum is 30 s; tests shorten the wait). */
  longpollMaxWaitMs: number;
  /**
   * The registered app's access type. `app_folder` (Synclane's): the sharing routes answer 400 "Your API app is
   * an "App Folder" app" (sharing-api.ts). `full_dropbox`: they share for real (paths then stand for the whole
   * Dropbox).
   */
  appAccessType: 'app_folder' | 'full_dropbox';
};

export const DEFAULT_CONFIG: DropboxConfig = {
  accessTokenTtlSeconds: 14_400,
  authorizationCodeTtlSeconds: 600,
  requestsPerMinute: 0,
  writeLockMs: 0,
  webhooksEnabled: true,
  retryAfterSeconds: 1,
  longpollMaxWaitMs: 480_000,
  appAccessType: 'app_folder',
};

export type DropboxAccount = {
  /** `dbid:…`, what webhooks and the token response name. */
  accountId: string;
  /** Legacy numeric user id (token response `uid`, webhook `delta.users`). */
  uid: string;
  email: string;
  givenName: string;
  surname: string;
  displayName: string;
  locale: string;
  country: string;
  /** Quota for the whole account (writes beyond it fail with insufficient_space). */
  quotaBytes: number;
};

export type StoredEntry = {
  id: string;
  kind: 'file' | 'folder';
  /** Cased name of the last component. */
  name: string;
  /** Relative to the app folder, "/a/b.txt". */
  pathLower: string;
  pathDisplay: string;
  rev?: string;
  size?: number;
  contentHash?: string;
  clientModified?: string;
  serverModified?: string;
  /** base64 bytes (files only). */
  content?: string;
};

/** One entry of the change log that list_folder/continue replays. */
export type Change = { seq: number; pathLower: string; pathDisplay: string; name: string };

export type Namespace = {
  /** Keyed by `id:…`. */
  entries: Record<string, StoredEntry>;
  changes: Change[];
  seq: number;
  /** Bumped by the admin "reset cursors" control: every older cursor answers `reset`. */
  cursorEpoch: number;
  revCounter: number;
};

/** Upload sessions live in memory only (partial uploads are not worth persisting). */
export type UploadSession = {
  accountId: string;
  offset: number;
  closed: boolean;
  concurrent: boolean;
  /** Chunks keyed by offset (concurrent sessions may arrive out of order). */
  chunks: Map<number, Buffer>;
  expiresAt: number;
};

export type AuthorizationCode = {
  accountId: string;
  redirectUri: string | null;
  scope: string;
  offline: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
};

export type AccessTokenGrant = { accountId: string; scope: string; expiresAt: number; refreshToken: string | null; revoked?: boolean };
export type RefreshTokenGrant = { accountId: string; scope: string; pkce: boolean; revoked?: boolean };

export type WebhookDelivery = { url: string; accounts: string[]; status: number | null; error: string | null; signature: string; at: string };

export type DropboxState = {
  /** The webhook URI registered in the App Console (verified with the challenge GET when changed). */
  webhookUrl: string;
  version: 1;
  config: DropboxConfig;
  /** Signs cursors so a tampered or foreign cursor answers `reset`. */
  cursorSecret: string;
  /** Keyed by account id (`dbid:…`). */
  accounts: Record<string, DropboxAccount>;
  /** Keyed by account id: the app folder of each account (the app sees nothing else). */
  namespaces: Record<string, Namespace>;
  /** Accounts that linked the app (only those get webhook notifications). */
  linked: Record<string, true>;
  authorizationCodes: Record<string, AuthorizationCode>;
  accessTokens: Record<string, AccessTokenGrant>;
  refreshTokens: Record<string, RefreshTokenGrant>;
  idCounter: number;
};
