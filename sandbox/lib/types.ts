import type { SandboxRequest, SandboxResponse } from './http';

/**
 * How the app is registered with each emulated vendor (the equivalent of Pipedrive's Developer Hub,
 * Teamleader's Marketplace "Build" page, Google Cloud console and Entra app registrations).
 * Defaults match the app's sandbox defaults in lib/env.ts.
 */
export type AppRegistration = {
  /** Public origin of the Synclane app, e.g. http://localhost:3000 */
  appUrl: string;
  pipedrive: { clientId: string; clientSecret: string; callbackUrl: string; installationUrl: string; settingsUrl: string; panelUrl: string };
  teamleader: { clientId: string; clientSecret: string; redirectUri: string; installationUrl: string; settingsUrl: string };
  google: { clientId: string; clientSecret: string; redirectUris: string[] };
  microsoft: { clientId: string; clientSecret: string; redirectUris: string[] };
  /** Dropbox Sign API app; the owner's API key is the HMAC key of app callbacks. */
  dropboxSign: { clientId: string; clientSecret: string; oauthCallbackUrl: string; eventCallbackUrl: string; ownerEmail: string; ownerApiKey: string };
  /** Dropbox App Console: app key/secret, OAuth redirect URIs, the app-folder name and the webhook URI. */
  dropbox: { appKey: string; appSecret: string; redirectUris: string[]; appFolderName: string; webhookUrl: string };
};

export type SandboxContext = {
  /** Public origin of the sandbox, e.g. http://localhost:4000 (no trailing slash). */
  baseUrl: string;
  app: AppRegistration;
  /** Milliseconds since epoch; emulators must use this (never Date.now()) so tests can move time. */
  now(): number;
};

/**
 * One emulator = one mount prefix on the sandbox server. `handle` receives requests whose path starts
 * with the prefix (path given relative to it) and returns null when it has no route (→ 404).
 * `state` must be plain JSON-serialisable data: the sandbox persists it to DATA_DIR between restarts.
 */
export interface Emulator<State = unknown> {
  name: string;
  prefix: string;
  handle(req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse | null>;
  getState(): State;
  setState(state: State): void;
  /** Re-seed the demo data (drops everything). */
  reset(): void;
}

export function defaultRegistration(appUrl: string): AppRegistration {
  return {
    appUrl,
    pipedrive: {
      clientId: 'synclane-sandbox',
      clientSecret: 'sandbox-pipedrive-client-secret',
      callbackUrl: `${appUrl}/api/pipedrive/callback`,
      installationUrl: `${appUrl}/api/pipedrive/install`,
      settingsUrl: `${appUrl}/embedded/pipedrive/settings`,
      panelUrl: `${appUrl}/embedded/pipedrive/panel`,
    },
    teamleader: {
      clientId: 'synclane-sandbox',
      clientSecret: 'sandbox-teamleader-client-secret',
      redirectUri: `${appUrl}/api/teamleader/callback`,
      installationUrl: `${appUrl}/api/teamleader/install`,
      settingsUrl: `${appUrl}/teamleader/settings`,
    },
    google: {
      clientId: 'synclane-sandbox.apps.googleusercontent.com',
      clientSecret: 'sandbox-google-client-secret',
      redirectUris: [`${appUrl}/api/auth/callback/google`],
    },
    microsoft: {
      clientId: '00000000-5ync-1a4e-0000-5a4db0x00001',
      clientSecret: 'sandbox-microsoft-client-secret',
      redirectUris: [`${appUrl}/api/auth/callback/microsoft-entra-id`],
    },
    dropboxSign: {
      clientId: 'synclanesandbox0000000000000001',
      clientSecret: 'sandbox-dropbox-sign-client-secret',
      oauthCallbackUrl: `${appUrl}/api/dropbox-sign/oauth/callback`,
      eventCallbackUrl: `${appUrl}/api/dropbox-sign/callback`,
      ownerEmail: 'apps@synclane.example',
      ownerApiKey: 'sandbox-dropbox-sign-app-owner-api-key',
    },
    dropbox: {
      appKey: 'synclanesandbox1',
      appSecret: 'sandbox-dropbox-app-secret',
      redirectUris: [`${appUrl}/api/connect/dropbox/callback`],
      appFolderName: 'Synclane',
      webhookUrl: `${appUrl}/api/webhooks/dropbox`,
    },
  };
}
