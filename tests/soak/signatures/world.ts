/**
 * The signature soak's world: the real app on the in-process emulators and a fresh database, with Olivia (the
 * Northwind team admin) as the Pipedrive user who archives — her own documents (`user`, S1–S3, B7) or the whole
 * team's (`team`, S4). The team's demo accounts act in the Dropbox Sign emulator the way people would (send, sign,
 * decline, cancel); callbacks are delivered to the app's own handler.
 */
import { NextRequest } from 'next/server';
import { createTestApp, NORTHWIND, type TestApp } from '../../support/harness';
import { linkDropbox } from '../../support/files';
import { crmClientFor } from '@/lib/crm';
import { env } from '@/lib/env';
import { handleSignCallback } from '@/lib/signatures/callbacks';
import { startSignLink } from '@/lib/signatures/linking';
import { activateArchive } from '@/lib/signatures/service';
import { activateTeamArchive } from '@/lib/signatures/team';
import { GET as oauthCallback } from '@/app/api/dropbox-sign/oauth/callback/route';
import type { RunRequest } from '@/lib/sync/runtime/events';
import type { Tenant } from '@/lib/tenant';
import { wireSignatureRequest } from '@/sandbox/dropbox-sign/wire';

export type ArchiveKind = 'user' | 'team';
export type SignSoakConfig = { archive: ArchiveKind };
export const SIGN_SOAK_CONFIGS: SignSoakConfig[] = [{ archive: 'user' }, { archive: 'team' }];
export const signConfigName = (c: SignSoakConfig) => `pipedrive-${c.archive}`;

export const OLIVIA = 'olivia.admin@northwind.example';
export const TEAM = [OLIVIA, 'rahul.regular@northwind.example', 'nina.noadd@northwind.example'] as const;
export const OUTSIDERS = ['ada@contoso.example', 'hans.mueller@fabrikam.example'] as const;
export const PEOPLE = [...TEAM, ...OUTSIDERS] as const;
export const OLIVIA_DROPBOX = 'olivia.northwind@gmail.com';
export const TEAM_NAMES = ['Northwind Traders', 'Northwind Global', 'Northwind Group'] as const;

export type SignWorld = {
  config: SignSoakConfig;
  app: TestApp;
  tenant: Tenant;
  archiveId: string;
  /** The archive's activation moment (S3's line, for the user archive). */
  activatedAt: number;
  /** CRM persons B7 can attach to: metadata `person:<id>`. */
  personIds: string[];
  activate(): Promise<void>;
  relinkSign(): Promise<void>;
  relinkDropbox(): Promise<void>;
  /** Posts an account callback for `accountEmail` to the app's handler; returns the run requests it asked for. */
  deliverCallback(accountEmail: string, eventType: string, requestId: string, eventTime: number): Promise<{ status: number; body: string; runs: RunRequest[] }>;
  close(): Promise<void>;
};

export async function createSignWorld(config: SignSoakConfig, opts: { adminUrl?: string | null } = {}): Promise<SignWorld> {
  const app = await createTestApp({ adminUrl: opts.adminUrl });
  // The emulator's own per-minute limits would turn a fast soak into real-time waiting: 429s are injected instead.
  // Callbacks are delivered by the soak itself (to the handler), so the emulator does not retry them on timers.
  app.sandbox.dropboxSign.config({ filesPreparingMs: 0, callbackRetryDelaysMs: [], rateLimitStandard: 1_000_000, rateLimitHighTier: 1_000_000, rateLimitTestMode: 1_000_000 });
  const tenant = await app.installPipedrive(NORTHWIND.admin);
  const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
  const personIds: string[] = [];
  for (const n of ['A', 'B']) personIds.push((await crm.createPerson({ firstName: 'Soak', lastName: `Record ${n}`, emails: [{ value: `signature-record-${n.toLowerCase()}@soak.test`, label: 'work', primary: true }] })).id);

  const linkSign = async () => {
    const authorize = new URL(startSignLink(tenant).url);
    const response = await fetch(`${env().dropboxSign.oauthUrl}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: authorize.searchParams.get('client_id')!, state: authorize.searchParams.get('state')!, account: OLIVIA, decision: 'allow' }),
    });
    const res = await oauthCallback(new NextRequest(new URL(response.headers.get('location')!).href));
    if (res.status !== 307) throw new Error(`Dropbox Sign link failed: HTTP ${res.status}`);
  };
  // Sign first (nothing starts without a Dropbox), Dropbox afterwards: activation is the soak's own step.
  await linkSign();
  await linkDropbox(app, tenant, OLIVIA_DROPBOX);

  const world: SignWorld = {
    config,
    app,
    tenant,
    archiveId: '',
    activatedAt: 0,
    personIds,
    async activate() {
      world.activatedAt = Date.now();
      world.archiveId = config.archive === 'team' ? await activateTeamArchive(tenant) : (await activateArchive(tenant))!;
    },
    relinkSign: linkSign,
    async relinkDropbox() {
      await linkDropbox(app, tenant, OLIVIA_DROPBOX);
    },
    async deliverCallback(accountEmail, eventType, requestId, eventTime) {
      const account = app.sandbox.dropboxSign.account(accountEmail);
      const json = JSON.stringify({
        event: {
          event_time: String(Math.floor(eventTime / 1000)),
          event_type: eventType,
          // Account callbacks are keyed with the account's own API key, which the app never sees: a hint only.
          event_hash: '0'.repeat(64),
          event_metadata: { related_signature_id: null, reported_for_account_id: account.accountId, reported_for_app_id: null, event_message: null },
        },
        signature_request: wireSignatureRequest(app.sandbox.dropboxSign.store.find(requestId)!, app.sandbox.dropboxSign.apiBaseUrl, app.sandbox.dropboxSign.oauthBaseUrl),
      });
      const form = new FormData();
      form.append('json', json);
      const before = app.requested.length;
      const outcome = await handleSignCallback(new Request(`${app.appUrl}/api/dropbox-sign/callback`, { method: 'POST', body: form }));
      const runs = app.requested.slice(before).filter((r) => r.kind === 'signatures' && r.connectionId === world.archiveId);
      return { status: outcome.response.status, body: await outcome.response.text(), runs };
    },
    close: () => app.close(),
  };
  return world;
}
