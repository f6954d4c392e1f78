/**
 * The one place configuration is read. SYNCLANE_ENV must be chosen explicitly: `npm run dev`, the tests and
 * the benchmarks choose `sandbox` (embedded PGlite, emulated vendors, in-process jobs, generated secrets);
 * a deployment that forgets it does not start. In production vendor URLs default to the real services,
 * secrets and an https APP_URL are required, and weak values (repeated characters, the sandbox client
 * secrets, framing by any origin) are refused. A wrong value stops startup with a message naming the variable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const url = z.string().url().transform((u) => u.replace(/\/$/, ''));
const optionalUrl = url.optional();
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const ZRawEnv = z.object({
  SYNCLANE_ENV: z.enum(['sandbox', 'production'], {
    error: (issue) => (issue.input === undefined ? 'required: set it to production (or sandbox for local development and tests)' : 'must be production or sandbox'),
  }),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  APP_URL: optionalUrl,
  SANDBOX_URL: optionalUrl,
  SANDBOX_PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  DATA_DIR: z.string().min(1).default('.data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string')
    .optional(),
  ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
  AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (openssl rand -base64 33)').optional(),

  PIPEDRIVE_CLIENT_ID: z.string().min(1).optional(),
  PIPEDRIVE_CLIENT_SECRET: z.string().min(1).optional(),
  PIPEDRIVE_JWT_SECRET: z.string().min(1).optional(),
  PIPEDRIVE_OAUTH_URL: optionalUrl,
  PIPEDRIVE_APP_SETTINGS_URL: z.string().optional(),
  PIPEDRIVE_FRAME_ANCESTORS: z.string().optional(),

  TEAMLEADER_CLIENT_ID: z.string().min(1).optional(),
  TEAMLEADER_CLIENT_SECRET: z.string().min(1).optional(),
  TEAMLEADER_OAUTH_URL: optionalUrl,
  TEAMLEADER_API_URL: optionalUrl,
  TEAMLEADER_WEB_URL: optionalUrl,

  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_ISSUER: optionalUrl,
  GOOGLE_TOKEN_URL: optionalUrl,
  GOOGLE_PEOPLE_ROOT_URL: optionalUrl,
  GOOGLE_CONTACTS_WEB_URL: optionalUrl,

  MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  MICROSOFT_AUTHORITY: optionalUrl,
  MICROSOFT_GRAPH_URL: optionalUrl,

  DROPBOX_SIGN_CLIENT_ID: z.string().min(1).optional(),
  DROPBOX_SIGN_CLIENT_SECRET: z.string().min(1).optional(),
  /** API key of the account that owns the API app: the HMAC key of app callbacks' event_hash. */
  DROPBOX_SIGN_APP_OWNER_API_KEY: z.string().min(1).optional(),
  DROPBOX_SIGN_API_URL: optionalUrl,
  DROPBOX_SIGN_OAUTH_URL: optionalUrl,
  DROPBOX_APP_KEY: z.string().min(1).optional(),
  DROPBOX_APP_SECRET: z.string().min(1).optional(),
  /** Base URLs of Dropbox's hosts (api/content/notify.dropboxapi.com) and of the authorize page. */
  DROPBOX_API_URL: optionalUrl,
  DROPBOX_CONTENT_URL: optionalUrl,
  DROPBOX_NOTIFY_URL: optionalUrl,
  DROPBOX_AUTHORIZE_URL: optionalUrl,

  JOBS_MODE: z.enum(['local', 'inngest']).optional(),
  INNGEST_EVENT_KEY: z.string().optional(),
  INNGEST_SIGNING_KEY: z.string().optional(),
  INNGEST_BASE_URL: optionalUrl,
  HOURLY_SYNC: bool.default(true),
  /** Local runner: how often the hourly scheduler checks which connections are due (ms). */
  SCHEDULER_TICK_MS: z.coerce.number().int().min(100).default(60_000),
  /** Largest number of contacts a run may delete before it pauses and asks (B3). */
  DELETE_BRAKE_MAX: z.coerce.number().int().min(0).default(50),
  DELETE_BRAKE_RATIO: z.coerce.number().min(0).max(1).default(0.2),
  /**
   * Provider quotas the engine paces itself to (no rate headers to learn them from): Google People per user
   * per minute (a Cloud project may be granted more: set it to the project's quota), Graph per mailbox per
   * 10 minutes.
   */
  GOOGLE_PEOPLE_READS_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  GOOGLE_PEOPLE_WRITES_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  GRAPH_REQUESTS_PER_10_MINUTES: z.coerce.number().int().min(1).default(10_000),
});

export type Env = ReturnType<typeof buildEnv>;

/** Sandbox registrations; must match sandbox/lib/types.ts defaultRegistration (configuration, not code). */
const SANDBOX_APPS = {
  pipedrive: { id: 'synclane-sandbox', secret: 'sandbox-pipedrive-client-secret' },
  teamleader: { id: 'synclane-sandbox', secret: 'sandbox-teamleader-client-secret' },
  google: { id: 'synclane-sandbox.apps.googleusercontent.com', secret: 'sandbox-google-client-secret' },
  microsoft: { id: '00000000-5ync-1a4e-0000-5a4db0x00001', secret: 'sandbox-microsoft-client-secret' },
  dropboxSign: { id: 'synclanesandbox0000000000000001', secret: 'sandbox-dropbox-sign-client-secret', ownerApiKey: 'sandbox-dropbox-sign-app-owner-api-key' },
  dropbox: { id: 'synclanesandbox1', secret: 'sandbox-dropbox-app-secret' },
};

export class EnvError extends Error {}

/** Fewer distinct values than this in a secret means it was typed, not generated (e.g. all zeros, "aaaa…"). */
const MIN_DISTINCT_KEY_BYTES = 12;
const MIN_DISTINCT_SECRET_CHARS = 10;
const SANDBOX_SECRETS = new Set(Object.values(SANDBOX_APPS).map((a) => a.secret));

/** Production refuses values that would make a secret guessable or a boundary open. */
function weakProductionValues(e: z.infer<typeof ZRawEnv>): string[] {
  const problems: string[] = [];
  if (!e.APP_URL) problems.push('APP_URL: required in production (the public https origin of the app)');
  else if (!e.APP_URL.startsWith('https://')) problems.push('APP_URL: must be an https:// URL in production');
  if (e.ENCRYPTION_KEY && new Set(Buffer.from(e.ENCRYPTION_KEY, 'base64')).size < MIN_DISTINCT_KEY_BYTES)
    problems.push('ENCRYPTION_KEY: too weak (repeated bytes); generate one with openssl rand -base64 32');
  if (e.AUTH_SECRET && new Set(e.AUTH_SECRET).size < MIN_DISTINCT_SECRET_CHARS)
    problems.push('AUTH_SECRET: too weak (repeated characters); generate one with openssl rand -base64 33');
  for (const name of ['PIPEDRIVE_CLIENT_SECRET', 'PIPEDRIVE_JWT_SECRET', 'TEAMLEADER_CLIENT_SECRET', 'GOOGLE_CLIENT_SECRET', 'MICROSOFT_CLIENT_SECRET'] as const) {
    const value = e[name];
    if (value && SANDBOX_SECRETS.has(value)) problems.push(`${name}: is the public sandbox secret; use the secret of your production app registration`);
  }
  if (e.PIPEDRIVE_FRAME_ANCESTORS) {
    const bad = e.PIPEDRIVE_FRAME_ANCESTORS.split(/[\s,]+/).filter(Boolean).filter((source) => !/^https:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(source));
    if (bad.length) problems.push(`PIPEDRIVE_FRAME_ANCESTORS: only https origins may frame Synclane in production (refused: ${bad.join(' ')})`);
  }
  return problems;
}

function devSecret(dataDir: string, name: string, bytes: number): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(bytes).toString('base64');
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}

export function buildEnv(source: Record<string, string | undefined> = process.env) {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ZRawEnv.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const isSandbox = e.SYNCLANE_ENV === 'sandbox';
  const refused = isSandbox ? [] : weakProductionValues(e);
  const dataDir = path.resolve(e.DATA_DIR);
  const appUrl = e.APP_URL ?? `http://localhost:${e.PORT}`;
  const sandboxUrl = e.SANDBOX_URL ?? `http://localhost:${e.SANDBOX_PORT}`;

  const missing: string[] = [];
  const need = <T>(name: string, value: T | undefined, sandboxValue: T): T => {
    if (value !== undefined) return value;
    if (isSandbox) return sandboxValue;
    missing.push(name);
    return sandboxValue;
  };
  const vendor = (value: string | undefined, sandboxValue: string, productionValue: string) =>
    value ?? (isSandbox ? sandboxValue : productionValue);

  const env = {
    isSandbox,
    appUrl,
    sandboxUrl: isSandbox ? sandboxUrl : undefined,
    port: e.PORT,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    encryptionKey: Buffer.from(need('ENCRYPTION_KEY', e.ENCRYPTION_KEY, isSandbox ? devSecret(dataDir, 'dev-encryption-key', 32) : ''), 'base64'),
    authSecret: need('AUTH_SECRET', e.AUTH_SECRET, isSandbox ? devSecret(dataDir, 'dev-auth-secret', 33) : ''),
    pipedrive: {
      clientId: need('PIPEDRIVE_CLIENT_ID', e.PIPEDRIVE_CLIENT_ID, SANDBOX_APPS.pipedrive.id),
      clientSecret: need('PIPEDRIVE_CLIENT_SECRET', e.PIPEDRIVE_CLIENT_SECRET, SANDBOX_APPS.pipedrive.secret),
      jwtSecret: e.PIPEDRIVE_JWT_SECRET ?? e.PIPEDRIVE_CLIENT_SECRET ?? SANDBOX_APPS.pipedrive.secret,
      oauthUrl: vendor(e.PIPEDRIVE_OAUTH_URL, `${sandboxUrl}/pipedrive`, 'https://oauth.pipedrive.com'),
      /** {company_domain} and {client_id} are substituted. */
      appSettingsUrl:
        e.PIPEDRIVE_APP_SETTINGS_URL ??
        (isSandbox
          ? `${sandboxUrl}/pipedrive/settings/marketplace/app/{client_id}/app-settings`
          : 'https://{company_domain}.pipedrive.com/settings/marketplace/app/{client_id}/app-settings'),
      frameAncestors: (e.PIPEDRIVE_FRAME_ANCESTORS ?? (isSandbox ? new URL(sandboxUrl).origin : 'https://*.pipedrive.com'))
        .split(/[\s,]+/)
        .filter(Boolean),
    },
    teamleader: {
      clientId: need('TEAMLEADER_CLIENT_ID', e.TEAMLEADER_CLIENT_ID, SANDBOX_APPS.teamleader.id),
      clientSecret: need('TEAMLEADER_CLIENT_SECRET', e.TEAMLEADER_CLIENT_SECRET, SANDBOX_APPS.teamleader.secret),
      oauthUrl: vendor(e.TEAMLEADER_OAUTH_URL, `${sandboxUrl}/teamleader`, 'https://focus.teamleader.eu'),
      apiUrl: vendor(e.TEAMLEADER_API_URL, `${sandboxUrl}/teamleader/api`, 'https://api.focus.teamleader.eu'),
      webUrl: vendor(e.TEAMLEADER_WEB_URL, `${sandboxUrl}/teamleader`, 'https://focus.teamleader.eu'),
      /** Teamleader has no iframe surface; the marketplace links to our settings page, so no frame-ancestors. */
    },
    google: {
      clientId: need('GOOGLE_CLIENT_ID', e.GOOGLE_CLIENT_ID, SANDBOX_APPS.google.id),
      clientSecret: need('GOOGLE_CLIENT_SECRET', e.GOOGLE_CLIENT_SECRET, SANDBOX_APPS.google.secret),
      issuer: vendor(e.GOOGLE_ISSUER, `${sandboxUrl}/google`, 'https://accounts.google.com'),
      tokenUrl: vendor(e.GOOGLE_TOKEN_URL, `${sandboxUrl}/google/token`, 'https://oauth2.googleapis.com/token'),
      peopleRootUrl: vendor(e.GOOGLE_PEOPLE_ROOT_URL, sandboxUrl, 'https://people.googleapis.com'),
      /** The Google Contacts web app (B9: the record panel links to the synced contact). */
      contactsWebUrl: vendor(e.GOOGLE_CONTACTS_WEB_URL, `${sandboxUrl}/google/contacts`, 'https://contacts.google.com'),
    },
    microsoft: {
      clientId: need('MICROSOFT_CLIENT_ID', e.MICROSOFT_CLIENT_ID, SANDBOX_APPS.microsoft.id),
      clientSecret: need('MICROSOFT_CLIENT_SECRET', e.MICROSOFT_CLIENT_SECRET, SANDBOX_APPS.microsoft.secret),
      authority: vendor(e.MICROSOFT_AUTHORITY, `${sandboxUrl}/microsoft/common`, 'https://login.microsoftonline.com/common'),
      graphUrl: vendor(e.MICROSOFT_GRAPH_URL, `${sandboxUrl}/microsoft/graph`, 'https://graph.microsoft.com'),
    },
    dropboxSign: {
      clientId: need('DROPBOX_SIGN_CLIENT_ID', e.DROPBOX_SIGN_CLIENT_ID, SANDBOX_APPS.dropboxSign.id),
      clientSecret: need('DROPBOX_SIGN_CLIENT_SECRET', e.DROPBOX_SIGN_CLIENT_SECRET, SANDBOX_APPS.dropboxSign.secret),
      appOwnerApiKey: need('DROPBOX_SIGN_APP_OWNER_API_KEY', e.DROPBOX_SIGN_APP_OWNER_API_KEY, SANDBOX_APPS.dropboxSign.ownerApiKey),
      /** basePath of the SDK's *Api classes (includes /v3). */
      apiUrl: vendor(e.DROPBOX_SIGN_API_URL, `${sandboxUrl}/dropbox-sign/v3`, 'https://api.hellosign.com/v3'),
      /** basePath of the SDK's OAuthApi and origin of the authorize page (no /v3). */
      oauthUrl: vendor(e.DROPBOX_SIGN_OAUTH_URL, `${sandboxUrl}/dropbox-sign`, 'https://app.hellosign.com'),
    },
    dropbox: {
      appKey: need('DROPBOX_APP_KEY', e.DROPBOX_APP_KEY, SANDBOX_APPS.dropbox.id),
      /** Also the key of webhook signatures (X-Dropbox-Signature). */
      appSecret: need('DROPBOX_APP_SECRET', e.DROPBOX_APP_SECRET, SANDBOX_APPS.dropbox.secret),
      apiUrl: vendor(e.DROPBOX_API_URL, `${sandboxUrl}/dropbox/api`, 'https://api.dropboxapi.com'),
      contentUrl: vendor(e.DROPBOX_CONTENT_URL, `${sandboxUrl}/dropbox/content`, 'https://content.dropboxapi.com'),
      notifyUrl: vendor(e.DROPBOX_NOTIFY_URL, `${sandboxUrl}/dropbox/notify`, 'https://notify.dropboxapi.com'),
      authorizeUrl: vendor(e.DROPBOX_AUTHORIZE_URL, `${sandboxUrl}/dropbox/oauth2/authorize`, 'https://www.dropbox.com/oauth2/authorize'),
    },
    jobs: {
      mode: e.JOBS_MODE ?? (e.INNGEST_SIGNING_KEY ? 'inngest' : 'local'),
      inngestEventKey: e.INNGEST_EVENT_KEY,
      inngestSigningKey: e.INNGEST_SIGNING_KEY,
      inngestBaseUrl: e.INNGEST_BASE_URL,
      hourly: e.HOURLY_SYNC,
      schedulerTickMs: e.SCHEDULER_TICK_MS,
    },
    deleteBrake: { max: e.DELETE_BRAKE_MAX, ratio: e.DELETE_BRAKE_RATIO },
    quotas: { googleReadsPerMinute: e.GOOGLE_PEOPLE_READS_PER_MINUTE, googleWritesPerMinute: e.GOOGLE_PEOPLE_WRITES_PER_MINUTE, graphRequestsPer10Minutes: e.GRAPH_REQUESTS_PER_10_MINUTES },
  } as const;

  if (env.jobs.mode === 'inngest' && !e.INNGEST_SIGNING_KEY) missing.push('INNGEST_SIGNING_KEY');
  if (missing.length || refused.length) {
    throw new EnvError(
      `Missing or refused configuration for SYNCLANE_ENV=production:\n${[...missing.map((m) => `${m}: required`), ...refused].map((m) => `  ${m}`).join('\n')}`,
    );
  }
  return env;
}

let cached: Env | undefined;
/** The validated configuration of this process (built once). */
export function env(): Env {
  cached ??= buildEnv();
  return cached;
}

/** Tests swap configuration (e.g. a sandbox on a random port) without touching process.env. */
export function setEnvForTests(overrides: Record<string, string | undefined>): Env {
  cached = buildEnv({ ...process.env, ...overrides });
  return cached;
}
