/**
 * A soak "world": one CRM × one provider × one direction on the real app code, the in-process emulators
 * and a fresh database. Both sides are driven the way a user would drive them (the emulators' UI doors),
 * and faults are injected through the emulators' fault rules. Only records of the soak's own domain
 * (`@soak.test` e-mails) are looked at, so the demo data never blurs the invariants.
 */
import { and, eq } from 'drizzle-orm';
import { createTestApp, BRUGGE, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { providerAccounts } from '@/db/schema';
import { startSync } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import type { Tenant } from '@/lib/tenant';
import type { FaultInjector } from '@/sandbox/lib/faults';

export type CrmKind = 'pipedrive' | 'teamleader';
export type ProviderKind = 'google' | 'microsoft';
export type Direction = 'two_way' | 'provider_to_crm' | 'crm_to_provider';
export type SoakConfig = { crm: CrmKind; provider: ProviderKind; direction: Direction };
export type Policy = 'crm' | 'provider' | 'newest';

/** The fields the soak edits: names and one phone; the e-mail is the record's identity (never edited). */
export type Fields = { first: string; last: string; phone: string | null };
export type SideRecord = { id: string; email: string; fields: Fields };
export type EndpointKind = 'create' | 'update' | 'delete' | 'read';

export interface Side {
  readonly name: 'crm' | 'provider';
  list(): SideRecord[];
  create(email: string, f: Fields): string;
  update(id: string, patch: Partial<Fields>): void;
  delete(id: string): void;
  faults: FaultInjector;
  /** Fault-rule matchers (method + path regex) for this side's API endpoints by kind. */
  endpoints: Record<EndpointKind, { method: string; path: string }[]>;
  /** A vendor error body in this vendor's shape. */
  errorBody(status: number): unknown;
  expireAccessTokens(): void;
}

export type World = {
  config: SoakConfig;
  app: TestApp;
  tenant: Tenant;
  syncId: string;
  crm: Side;
  provider: Side;
  /** Invalidates the provider's change cursor (Google: sync token expiry; Graph: 410 on the delta link). */
  expireProviderCursor(): void;
  /** Undo what expireProviderCursor changed in the emulator configuration (after the run). */
  restoreProviderCursorLifetime(): void;
  /** Revokes every provider grant (the next token refresh answers invalid_grant). */
  revokeProvider(): Promise<void>;
  /** The user presses Reconnect and signs in again. */
  relinkProvider(): Promise<void>;
  close(): Promise<void>;
};

export const SOAK_DOMAIN = 'soak.test';
const isSoak = (email: string | null | undefined) => !!email && email.toLowerCase().endsWith(`@${SOAK_DOMAIN}`);
const GOOGLE_ACCOUNT = { pipedrive: 'olivia.northwind@gmail.com', teamleader: 'lotte.bruggebikes@gmail.com' } as const;
const MICROSOFT_ACCOUNT = 'olivia.northwind@outlook.com';
const CO = NORTHWIND.companyId;

type PdPerson = { id: number; first_name: string | null; last_name: string | null; owner_id: number; is_deleted?: boolean; emails: { value: string }[]; phones: { value: string }[] };
type GPerson = {
  resourceName: string;
  names?: { givenName?: string; familyName?: string }[];
  emailAddresses?: { value?: string }[];
  phoneNumbers?: { value?: string }[];
  memberships?: { contactGroupMembership?: { contactGroupResourceName?: string } }[];
};

function pipedriveSide(app: TestApp): Side {
  const pd = app.sandbox.pipedrive;
  return {
    name: 'crm',
    list: () =>
      (pd.persons(CO) as unknown as PdPerson[])
        .filter((p) => !p.is_deleted && p.owner_id === NORTHWIND.admin && isSoak(p.emails[0]?.value))
        .map((p) => ({ id: String(p.id), email: p.emails[0]!.value.toLowerCase(), fields: { first: p.first_name ?? '', last: p.last_name ?? '', phone: p.phones[0]?.value ?? null } })),
    create(email, f) {
      const p = pd.createPerson(CO, { first_name: f.first, last_name: f.last, emails: [{ value: email, primary: true, label: 'work' }], phones: f.phone ? [{ value: f.phone, primary: true, label: 'mobile' }] : [], owner_id: NORTHWIND.admin } as never) as unknown as PdPerson;
      return String(p.id);
    },
    update(id, patch) {
      pd.updatePerson(CO, Number(id), {
        ...(patch.first !== undefined ? { first_name: patch.first } : {}),
        ...(patch.last !== undefined ? { last_name: patch.last } : {}),
        ...(patch.phone !== undefined ? { phones: patch.phone ? [{ value: patch.phone, primary: true, label: 'mobile' }] : [] } : {}),
      } as never);
    },
    delete: (id) => pd.deletePerson(CO, Number(id)),
    faults: pd.faults,
    endpoints: {
      create: [{ method: 'POST', path: 'api/v2/persons$' }],
      update: [{ method: 'PATCH', path: 'api/v2/persons/\\d+' }],
      delete: [{ method: 'DELETE', path: 'api/v2/persons/\\d+' }],
      read: [{ method: 'GET', path: 'api/v2/persons' }],
    },
    errorBody: (status) => ({ success: false, error: status === 429 ? 'Rate limit exceeded' : 'Internal server error', errorCode: status }),
    expireAccessTokens: () => pd.expireAccessTokens(),
  };
}

function teamleaderSide(app: TestApp): Side {
  const tl = app.sandbox.teamleader;
  const account = () => tl.accounts()[0]!.id;
  return {
    name: 'crm',
    list: () =>
      tl
        .contacts(account())
        .filter((c) => c.status !== 'deactivated' && isSoak(c.emails?.[0]?.email))
        .map((c) => ({ id: c.id, email: c.emails[0]!.email.toLowerCase(), fields: { first: c.first_name ?? '', last: c.last_name ?? '', phone: c.telephones?.[0]?.number ?? null } })),
    create(email, f) {
      return tl.createContact(account(), { first_name: f.first, last_name: f.last, emails: [{ type: 'primary', email }], ...(f.phone ? { telephones: [{ type: 'mobile', number: f.phone }] } : {}) }).id;
    },
    update(id, patch) {
      tl.updateContact(account(), id, {
        ...(patch.first !== undefined ? { first_name: patch.first } : {}),
        ...(patch.last !== undefined ? { last_name: patch.last } : {}),
        ...(patch.phone !== undefined ? { telephones: patch.phone ? [{ type: 'mobile', number: patch.phone }] : [] } : {}),
      });
    },
    delete: (id) => tl.deleteContact(account(), id),
    faults: tl.faults,
    endpoints: {
      create: [{ method: 'POST', path: 'contacts\\.add' }],
      update: [{ method: 'POST', path: 'contacts\\.update' }],
      delete: [{ method: 'POST', path: 'contacts\\.delete' }],
      read: [{ method: 'POST', path: 'contacts\\.(list|info)' }],
    },
    errorBody: (status) => ({ errors: [{ code: status, status, title: status === 429 ? 'Too Many Requests' : 'Internal Server Error' }] }),
    expireAccessTokens: () => tl.expireAccessTokens(),
  };
}

function googleSide(app: TestApp, email: string, groupName: () => string): Side {
  const g = app.sandbox.google;
  const group = () => g.groups(email).find((x) => x.name === groupName())?.resourceName ?? null;
  const members = () => {
    const res = group();
    if (!res) return [];
    return (g.contacts(email) as unknown as GPerson[]).filter((p) => (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === res));
  };
  return {
    name: 'provider',
    list: () =>
      members()
        .filter((p) => isSoak(p.emailAddresses?.[0]?.value))
        .map((p) => ({ id: p.resourceName, email: p.emailAddresses![0]!.value!.toLowerCase(), fields: { first: p.names?.[0]?.givenName ?? '', last: p.names?.[0]?.familyName ?? '', phone: p.phoneNumbers?.[0]?.value ?? null } })),
    create(addr, f) {
      const res = group();
      if (!res) throw new Error(`no group ${groupName()} yet`);
      const p = g.createContact(email, {
        names: [{ givenName: f.first, familyName: f.last }],
        emailAddresses: [{ value: addr, type: 'work' }],
        ...(f.phone ? { phoneNumbers: [{ value: f.phone, type: 'mobile' }] } : {}),
        memberships: [{ contactGroupMembership: { contactGroupResourceName: res } }],
      } as never) as unknown as GPerson;
      return p.resourceName;
    },
    update(id, patch) {
      const cur = g.getContact(email, id) as unknown as GPerson | null;
      if (!cur) return;
      const names = { givenName: patch.first ?? cur.names?.[0]?.givenName, familyName: patch.last ?? cur.names?.[0]?.familyName };
      g.updateContact(email, id, {
        ...(patch.first !== undefined || patch.last !== undefined ? { names: [names] } : {}),
        ...(patch.phone !== undefined ? { phoneNumbers: patch.phone ? [{ value: patch.phone, type: 'mobile' }] : [] } : {}),
      } as never);
    },
    delete: (id) => g.deleteContact(email, id),
    faults: g.faults,
    endpoints: {
      create: [{ method: 'POST', path: 'people:batchCreateContacts' }],
      update: [{ method: 'POST', path: 'people:batchUpdateContacts' }, { method: 'PATCH', path: ':updateContact' }],
      delete: [{ method: 'POST', path: 'people:batchDeleteContacts' }],
      read: [{ method: 'GET', path: 'connections' }],
    },
    errorBody: (status) => ({ error: { code: status, message: status === 429 ? 'Quota exceeded' : 'Backend Error', status: status === 429 ? 'RESOURCE_EXHAUSTED' : status === 503 ? 'UNAVAILABLE' : 'INTERNAL' } }),
    expireAccessTokens: () => g.expireAccessTokens(),
  };
}

function microsoftSide(app: TestApp, email: string, folderName: () => string): Side {
  const ms = app.sandbox.microsoft;
  const folder = () => ms.folders(email).find((f) => f.displayName === folderName())?.id ?? null;
  return {
    name: 'provider',
    list() {
      const id = folder();
      if (!id) return [];
      return ms
        .contacts(email, id)
        .filter((c) => isSoak(c.fields.emailAddresses[0]?.address))
        .map((c) => ({ id: c.immutableId, email: c.fields.emailAddresses[0]!.address!.toLowerCase(), fields: { first: c.fields.givenName ?? '', last: c.fields.surname ?? '', phone: c.fields.mobilePhone ?? null } }));
    },
    create(addr, f) {
      const id = folder();
      if (!id) throw new Error(`no folder ${folderName()} yet`);
      return ms.createContact(email, id, { givenName: f.first, surname: f.last, emailAddresses: [{ name: `${f.first} ${f.last}`, address: addr }], ...(f.phone ? { mobilePhone: f.phone } : {}) }).immutableId;
    },
    update(id, patch) {
      ms.updateContact(email, id, {
        ...(patch.first !== undefined ? { givenName: patch.first } : {}),
        ...(patch.last !== undefined ? { surname: patch.last } : {}),
        ...(patch.phone !== undefined ? { mobilePhone: patch.phone } : {}),
      });
    },
    delete: (id) => ms.deleteContact(email, id),
    faults: ms.faults,
    endpoints: {
      // Writes go in JSON batches: a fault hits one request inside a batch, or the whole batch.
      create: [{ method: 'POST', path: 'contactFolders/[^/]+/contacts$' }, { method: 'POST', path: '\\$batch$' }],
      update: [{ method: 'PATCH', path: 'me/contacts/' }, { method: 'POST', path: '\\$batch$' }],
      delete: [{ method: 'DELETE', path: 'me/contacts/' }, { method: 'POST', path: '\\$batch$' }],
      read: [{ method: 'GET', path: 'delta' }],
    },
    errorBody: (status) => ({ error: { code: status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : 'InternalServerError', message: 'Injected by the soak' } }),
    expireAccessTokens: () => ms.expireAccessTokens(),
  };
}

/** `adminUrl`: the database server outside vitest (scripts); omitted inside tests (the global Postgres). */
export async function createWorld(config: SoakConfig, opts: { policy?: Policy; adminUrl?: string | null } = {}): Promise<World> {
  const app = await createTestApp(opts.adminUrl !== undefined ? { adminUrl: opts.adminUrl } : {});
  // The emulators' quotas are real-time windows, but the soak compresses time (hundreds of runs a
  // minute): they are raised out of the way, and the soak injects its 429s (with Retry-After) itself.
  app.sandbox.pipedrive.config({ burstLimit: 1_000_000, dailyTokenBudget: 1_000_000_000 });
  app.sandbox.teamleader.config({ rateLimitPerMinute: 1_000_000 });
  app.sandbox.google.config({ readQuotaPerMinute: 1_000_000, writeQuotaPerMinute: 1_000_000 });
  app.sandbox.microsoft.config({ requestsPer10Min: 10_000_000 });
  if (config.crm === 'pipedrive') app.sandbox.pipedrive.config(CO, { contactSyncFields: true });
  const tenant = config.crm === 'pipedrive' ? await app.installPipedrive(NORTHWIND.admin) : await app.installTeamleader(BRUGGE.admin);
  const email = config.provider === 'google' ? GOOGLE_ACCOUNT[config.crm] : MICROSOFT_ACCOUNT;
  const link = () => (config.provider === 'google' ? app.linkGoogle(tenant, email) : app.linkMicrosoft(tenant, email));
  const accountId = await link();
  const fieldMap = await prepareCrmFields(tenant);
  const exportGroup = config.crm === 'pipedrive' ? 'Pipedrive' : 'Teamleader';
  const groupName = config.direction === 'crm_to_provider' ? exportGroup : 'Clients';
  let groupId: string | undefined;
  if (config.direction !== 'crm_to_provider') {
    groupId = config.provider === 'google' ? app.sandbox.google.groups(email).find((g) => g.name === 'Clients')!.resourceName : app.sandbox.microsoft.folders(email).find((f) => f.displayName === 'Clients')!.id;
  }
  const { syncId } = await startSync(tenant, { accountId, direction: config.direction, ...(groupId ? { groupId, groupName } : {}), conflictPolicy: opts.policy ?? 'crm' });
  const crm = config.crm === 'pipedrive' ? pipedriveSide(app) : teamleaderSide(app);
  const provider = config.provider === 'google' ? googleSide(app, email, () => groupName) : microsoftSide(app, email, () => groupName);
  return {
    config,
    app,
    tenant,
    syncId,
    crm,
    provider,
    expireProviderCursor() {
      if (config.provider === 'google') {
        app.sandbox.google.config({ syncTokenLifetimeSeconds: 1 });
        app.sandbox.advanceClock(5_000);
      } else app.sandbox.microsoft.invalidateDeltaTokens(email);
    },
    restoreProviderCursorLifetime() {
      if (config.provider === 'google') app.sandbox.google.config({ syncTokenLifetimeSeconds: 7 * 24 * 3600 });
    },
    async revokeProvider() {
      if (config.provider === 'google') app.sandbox.google.revokeAll(email);
      else {
        app.sandbox.microsoft.revokeAll(email);
        app.sandbox.microsoft.expireAccessTokens();
      }
      // The cached access token would otherwise stay good for an hour: make the next call refresh.
      const db = await getDb();
      await db.update(providerAccounts).set({ accessTokenExpiresAt: new Date(0) }).where(and(eq(providerAccounts.crmUserId, tenant.crmUserId), eq(providerAccounts.provider, config.provider)));
    },
    async relinkProvider() {
      await link();
    },
    close: () => app.close(),
  };
}
