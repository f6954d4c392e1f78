/** The env module: starts with no configuration (M6 sandbox), refuses wrong values naming the variable. */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvError, buildEnv } from './env';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'synclane-env-'));
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
const SECRET = 'k8Qz-2vLp9Xw_Rt5Ny7Mb3Jc6Hd1Fg4S';

const PRODUCTION_SECRETS = {
  SYNCLANE_ENV: 'production',
  APP_URL: 'https://app.synclane.example',
  ENCRYPTION_KEY: KEY,
  AUTH_SECRET: SECRET,
  PIPEDRIVE_CLIENT_ID: 'pd-id',
  PIPEDRIVE_CLIENT_SECRET: 'pd-secret',
  TEAMLEADER_CLIENT_ID: 'tl-id',
  TEAMLEADER_CLIENT_SECRET: 'tl-secret',
  GOOGLE_CLIENT_ID: 'g-id',
  GOOGLE_CLIENT_SECRET: 'g-secret',
  MICROSOFT_CLIENT_ID: 'ms-id',
  MICROSOFT_CLIENT_SECRET: 'ms-secret',
  DROPBOX_SIGN_CLIENT_ID: 'ds-id',
  DROPBOX_SIGN_CLIENT_SECRET: 'ds-secret',
  DROPBOX_SIGN_APP_OWNER_API_KEY: 'ds-owner-key',
  DROPBOX_APP_KEY: 'dbx-key',
  DROPBOX_APP_SECRET: 'dbx-secret',
};

function envError(source: Record<string, string | undefined>): EnvError {
  try {
    buildEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return error as EnvError;
  }
  throw new Error('expected buildEnv to throw');
}

describe('sandbox defaults (M6: SYNCLANE_ENV=sandbox starts with nothing else)', () => {
  it('M6: SYNCLANE_ENV=sandbox alone is enough', () => {
    const e = buildEnv({ SYNCLANE_ENV: 'sandbox' });
    expect(e.isSandbox).toBe(true);
    expect(e.port).toBe(3000);
    expect(e.appUrl).toBe('http://localhost:3000');
    expect(e.sandboxUrl).toBe('http://localhost:4000');
    expect(e.databaseUrl).toBeUndefined();
    expect(e.encryptionKey).toHaveLength(32);
    expect(e.authSecret.length).toBeGreaterThanOrEqual(32);
    expect(e.jobs.mode).toBe('local');
    expect(e.jobs.hourly).toBe(true);
    expect(e.deleteBrake).toEqual({ max: 50, ratio: 0.2 });
  });

  it('M6: vendors default to the sandbox emulators', () => {
    const e = buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), SANDBOX_PORT: '4555' });
    expect(e.pipedrive.oauthUrl).toBe('http://localhost:4555/pipedrive');
    expect(e.teamleader.apiUrl).toBe('http://localhost:4555/teamleader/api');
    expect(e.google.peopleRootUrl).toBe('http://localhost:4555');
    expect(e.google.tokenUrl).toBe('http://localhost:4555/google/token');
    expect(e.microsoft.graphUrl).toBe('http://localhost:4555/microsoft/graph');
    expect(e.dropbox).toMatchObject({
      appKey: 'synclanesandbox1',
      apiUrl: 'http://localhost:4555/dropbox/api',
      contentUrl: 'http://localhost:4555/dropbox/content',
      notifyUrl: 'http://localhost:4555/dropbox/notify',
      authorizeUrl: 'http://localhost:4555/dropbox/oauth2/authorize',
    });
    expect(e.pipedrive.frameAncestors).toEqual(['http://localhost:4555']);
    expect(e.pipedrive.clientId).toBe('synclane-sandbox');
  });

  it('M6: sandbox secrets are generated once into DATA_DIR (mode 600) and reused', () => {
    const dir = tmp();
    const a = buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: dir });
    const b = buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: dir });
    expect(b.encryptionKey.equals(a.encryptionKey)).toBe(true);
    expect(b.authSecret).toBe(a.authSecret);
    const keyFile = path.join(dir, 'dev-encryption-key');
    expect(existsSync(keyFile)).toBe(true);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp() }).authSecret).not.toBe(a.authSecret);
  });

  it('explicit values win; trailing slashes are stripped from URLs; empty strings count as unset', () => {
    const e = buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), APP_URL: 'https://app.example.com/', PORT: '8080', ENCRYPTION_KEY: KEY, AUTH_SECRET: SECRET, HOURLY_SYNC: 'off', DATABASE_URL: '' });
    expect(e.appUrl).toBe('https://app.example.com');
    expect(e.port).toBe(8080);
    expect(e.encryptionKey.equals(Buffer.from(KEY, 'base64'))).toBe(true);
    expect(e.authSecret).toBe(SECRET);
    expect(e.jobs.hourly).toBe(false);
    expect(e.databaseUrl).toBeUndefined();
  });

  it('R1: an Inngest signing key switches jobs to Inngest; JOBS_MODE=inngest without it is refused', () => {
    expect(buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), INNGEST_SIGNING_KEY: 'signkey-test-1' }).jobs.mode).toBe('inngest');
    expect(envError({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), JOBS_MODE: 'inngest' }).message).toContain('INNGEST_SIGNING_KEY');
  });

  it('M4: the iframe JWT secret defaults to the client secret', () => {
    expect(buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), PIPEDRIVE_CLIENT_SECRET: 's1' }).pipedrive.jwtSecret).toBe('s1');
    expect(buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), PIPEDRIVE_CLIENT_SECRET: 's1', PIPEDRIVE_JWT_SECRET: 'j1' }).pipedrive.jwtSecret).toBe('j1');
  });
});

describe('wrong values stop startup with a message naming the variable', () => {
  it.each([
    ['DATABASE_URL', 'mysql://x'],
    ['ENCRYPTION_KEY', 'short'],
    ['ENCRYPTION_KEY', Buffer.alloc(16).toString('base64')],
    ['AUTH_SECRET', 'too-short'],
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['SANDBOX_PORT', '0'],
    ['APP_URL', 'not a url'],
    ['GOOGLE_PEOPLE_ROOT_URL', 'people.googleapis.com'],
    ['SYNCLANE_ENV', 'staging'],
    ['JOBS_MODE', 'cron'],
    ['HOURLY_SYNC', 'maybe'],
    ['DELETE_BRAKE_RATIO', '1.5'],
    ['DELETE_BRAKE_MAX', '-1'],
    ['SCHEDULER_TICK_MS', '10'],
  ])('%s=%s is refused', (name, value) => {
    const e = envError({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), [name]: value });
    expect(e.message).toContain(`${name}:`);
  });

  it('every wrong variable is named in one message', () => {
    const e = envError({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), DATABASE_URL: 'mysql://x', ENCRYPTION_KEY: 'short', PORT: 'abc' });
    expect(e.message).toMatch(/DATABASE_URL: .*postgres/);
    expect(e.message).toMatch(/ENCRYPTION_KEY: .*32 bytes/);
    expect(e.message).toContain('PORT:');
  });

  it('accepts both postgres:// and postgresql:// connection strings', () => {
    expect(buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), DATABASE_URL: 'postgres://u:p@h/db' }).databaseUrl).toBe('postgres://u:p@h/db');
    expect(buildEnv({ SYNCLANE_ENV: 'sandbox', DATA_DIR: tmp(), DATABASE_URL: 'postgresql://h/db' }).databaseUrl).toBe('postgresql://h/db');
  });
});

describe('Dropbox Sign configuration (S1)', () => {
  it('S1: sandbox defaults point the SDK at the emulator (API base with /v3, OAuth base without)', () => {
    const e = buildEnv({ SYNCLANE_ENV: 'sandbox', SANDBOX_URL: 'http://localhost:4555', DATA_DIR: tmp() });
    expect(e.dropboxSign.apiUrl).toBe('http://localhost:4555/dropbox-sign/v3');
    expect(e.dropboxSign.oauthUrl).toBe('http://localhost:4555/dropbox-sign');
  });

  it('S1: production defaults are the vendor hosts', () => {
    const e = buildEnv({ ...PRODUCTION_SECRETS, DATA_DIR: tmp() });
    expect(e.dropboxSign.apiUrl).toBe('https://api.hellosign.com/v3');
    expect(e.dropboxSign.oauthUrl).toBe('https://app.hellosign.com');
    expect(e.dropboxSign.appOwnerApiKey).toBe('ds-owner-key');
  });
});

describe('production (SYNCLANE_ENV=production)', () => {
  it('without secrets throws naming each missing variable', () => {
    const e = envError({ SYNCLANE_ENV: 'production', DATA_DIR: tmp() });
    for (const name of [
      'ENCRYPTION_KEY',
      'AUTH_SECRET',
      'PIPEDRIVE_CLIENT_ID',
      'PIPEDRIVE_CLIENT_SECRET',
      'TEAMLEADER_CLIENT_ID',
      'TEAMLEADER_CLIENT_SECRET',
      'GOOGLE_CLIENT_ID',
      'GOOGLE_CLIENT_SECRET',
      'MICROSOFT_CLIENT_ID',
      'MICROSOFT_CLIENT_SECRET',
      'DROPBOX_SIGN_CLIENT_ID',
      'DROPBOX_SIGN_CLIENT_SECRET',
      'DROPBOX_SIGN_APP_OWNER_API_KEY',
    ])
      expect(e.message, name).toContain(`${name}: required`);
  });

  it('names only what is missing', () => {
    const { GOOGLE_CLIENT_SECRET: _omit, ...rest } = PRODUCTION_SECRETS;
    const e = envError({ ...rest, DATA_DIR: tmp() });
    expect(e.message).toContain('GOOGLE_CLIENT_SECRET: required');
    expect(e.message).not.toContain('GOOGLE_CLIENT_ID');
    expect(e.message).not.toContain('ENCRYPTION_KEY');
  });

  it('never generates dev secrets in production', () => {
    const dir = tmp();
    envError({ SYNCLANE_ENV: 'production', DATA_DIR: dir });
    expect(existsSync(path.join(dir, 'dev-encryption-key'))).toBe(false);
    expect(existsSync(path.join(dir, 'dev-auth-secret'))).toBe(false);
  });

  it('defaults point at the real vendor hosts', () => {
    const e = buildEnv({ ...PRODUCTION_SECRETS, DATA_DIR: tmp() });
    expect(e.isSandbox).toBe(false);
    expect(e.sandboxUrl).toBeUndefined();
    expect(e.pipedrive.oauthUrl).toBe('https://oauth.pipedrive.com');
    expect(e.pipedrive.appSettingsUrl).toBe('https://{company_domain}.pipedrive.com/settings/marketplace/app/{client_id}/app-settings');
    expect(e.pipedrive.frameAncestors).toEqual(['https://*.pipedrive.com']);
    expect(e.pipedrive.jwtSecret).toBe('pd-secret');
    expect(e.teamleader.oauthUrl).toBe('https://focus.teamleader.eu');
    expect(e.teamleader.apiUrl).toBe('https://api.focus.teamleader.eu');
    expect(e.google.issuer).toBe('https://accounts.google.com');
    expect(e.google.tokenUrl).toBe('https://oauth2.googleapis.com/token');
    expect(e.google.peopleRootUrl).toBe('https://people.googleapis.com');
    expect(e.microsoft.authority).toBe('https://login.microsoftonline.com/common');
    expect(e.microsoft.graphUrl).toBe('https://graph.microsoft.com');
    expect(e.dropbox).toEqual({
      appKey: 'dbx-key',
      appSecret: 'dbx-secret',
      apiUrl: 'https://api.dropboxapi.com',
      contentUrl: 'https://content.dropboxapi.com',
      notifyUrl: 'https://notify.dropboxapi.com',
      authorizeUrl: 'https://www.dropbox.com/oauth2/authorize',
    });
    expect(e.encryptionKey.equals(Buffer.from(KEY, 'base64'))).toBe(true);
    expect(e.pipedrive.clientId).toBe('pd-id');
  });

  it('vendor URLs can still be overridden in production (e.g. a staging emulator)', () => {
    const e = buildEnv({ ...PRODUCTION_SECRETS, DATA_DIR: tmp(), GOOGLE_PEOPLE_ROOT_URL: 'https://people.staging.example/' });
    expect(e.google.peopleRootUrl).toBe('https://people.staging.example');
  });
});

describe('S9 production never starts on sandbox defaults', () => {
  it('S9: SYNCLANE_ENV is required — a deployment that forgets it does not start on sandbox defaults', () => {
    const e = envError({ DATA_DIR: tmp(), ...PRODUCTION_SECRETS, SYNCLANE_ENV: undefined });
    expect(e.message).toMatch(/SYNCLANE_ENV: required/);
  });

  it('S9: production needs an https APP_URL (no localhost fallback)', () => {
    expect(envError({ ...PRODUCTION_SECRETS, APP_URL: undefined, DATA_DIR: tmp() }).message).toMatch(/APP_URL: required/);
    expect(envError({ ...PRODUCTION_SECRETS, APP_URL: 'http://app.synclane.example', DATA_DIR: tmp() }).message).toMatch(/APP_URL: must be an https/);
  });

  it.each([
    ['ENCRYPTION_KEY', Buffer.alloc(32).toString('base64')],
    ['ENCRYPTION_KEY', Buffer.alloc(32, 7).toString('base64')],
    ['AUTH_SECRET', 'a'.repeat(40)],
    ['AUTH_SECRET', 'abab'.repeat(10)],
    ['PIPEDRIVE_CLIENT_SECRET', 'sandbox-pipedrive-client-secret'],
    ['PIPEDRIVE_JWT_SECRET', 'sandbox-pipedrive-client-secret'],
    ['TEAMLEADER_CLIENT_SECRET', 'sandbox-teamleader-client-secret'],
    ['GOOGLE_CLIENT_SECRET', 'sandbox-google-client-secret'],
    ['MICROSOFT_CLIENT_SECRET', 'sandbox-microsoft-client-secret'],
    ['PIPEDRIVE_FRAME_ANCESTORS', '*'],
    ['PIPEDRIVE_FRAME_ANCESTORS', 'https://*.pipedrive.com http://evil.example'],
    ['PIPEDRIVE_FRAME_ANCESTORS', 'https:'],
  ])('S9: production refuses the weak value %s=%s, naming the variable', (name, value) => {
    const e = envError({ ...PRODUCTION_SECRETS, DATA_DIR: tmp(), [name]: value });
    expect(e.message).toContain(`${name}:`);
  });

  it('S9: strong production values are accepted, including an explicit https frame-ancestors list', () => {
    const e = buildEnv({ ...PRODUCTION_SECRETS, DATA_DIR: tmp(), PIPEDRIVE_FRAME_ANCESTORS: 'https://*.pipedrive.com https://pipedrive.example.com' });
    expect(e.pipedrive.frameAncestors).toEqual(['https://*.pipedrive.com', 'https://pipedrive.example.com']);
    expect(e.appUrl).toBe('https://app.synclane.example');
  });
});
