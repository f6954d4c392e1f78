/**
 * Test and reviewer controls under `/pipedrive/_admin` (never subject to fault injection):
 * faults, configuration, bulk person generation, token expiry, uninstall, state summary.
 */
import type { FaultRule } from '../lib/faults';
import { json, readJson, type Router, type SandboxRequest } from '../lib/http';
import type { EmulatorDeps } from './emulator-deps';
import { isPlanName } from './plans';
import { ApiFailure } from './store';
import type { PipedriveSettings, PlanName } from './types';

export type PipedriveConfigPatch = Partial<PipedriveSettings> & {
  /** Per company (default: Northwind). */
  contactSyncFields?: boolean;
  plan?: PlanName;
  customFieldLimit?: number | null;
  productsEnabled?: boolean;
  /** Daily token budget of the company (null: the plan's, 30,000 × multiplier × seats). */
  dailyTokenBudget?: number | null;
};

const SETTING_KEYS: (keyof PipedriveSettings)[] = ['accessTokenTtlSeconds', 'refreshTokenTtlDays', 'authCodeTtlSeconds', 'burstLimit', 'burstWindowMs', 'fileMaxBytes'];

export function applyConfig(deps: EmulatorDeps, companyId: number, patch: PipedriveConfigPatch): void {
  const { store, burst } = deps;
  const company = store.company(companyId);
  for (const key of SETTING_KEYS) {
    const value = patch[key];
    if (value === undefined) continue;
    if (key === 'burstLimit' && value === null) {
      store.state.settings.burstLimit = null; // back to the plan's limit
      continue;
    }
    if (typeof value !== 'number' || !(value > 0)) throw new ApiFailure(400, `${key} must be a positive number.`);
    (store.state.settings as Record<string, number | null>)[key] = value;
  }
  if (patch.plan !== undefined) {
    if (!isPlanName(patch.plan)) throw new ApiFailure(400, `Unknown plan ${String(patch.plan)}.`);
    company.plan = patch.plan;
  }
  if (patch.contactSyncFields !== undefined) company.contactSyncFields = Boolean(patch.contactSyncFields);
  if (patch.customFieldLimit !== undefined) company.customFieldLimit = patch.customFieldLimit;
  if (patch.productsEnabled !== undefined) company.productsEnabled = Boolean(patch.productsEnabled);
  if (patch.dailyTokenBudget !== undefined) {
    if (patch.dailyTokenBudget !== null && !(patch.dailyTokenBudget >= 0)) throw new ApiFailure(400, 'dailyTokenBudget must be a number ≥ 0 or null.');
    company.dailyTokenBudget = patch.dailyTokenBudget;
  }
  burst.limit = store.state.settings.burstLimit ?? 80;
  burst.windowMs = store.state.settings.burstWindowMs;
}

export function stateSummary(deps: EmulatorDeps) {
  const { store, installs, faults, webhooks } = deps;
  const s = store.state;
  return {
    settings: s.settings,
    companies: s.companies.map((c) => ({
      ...c,
      apiDomain: installs.apiDomain(c.id),
      users: store.usersOf(c.id).map((u) => ({ id: u.id, name: u.name, isAdmin: u.isAdmin, canAddPersons: u.canAddPersons, canAddOrganizations: u.canAddOrganizations })),
      persons: s.persons.filter((p) => p.companyId === c.id && !p.is_deleted).length,
      deletedPersons: s.persons.filter((p) => p.companyId === c.id && p.is_deleted).length,
      organizations: s.organizations.filter((o) => o.companyId === c.id && !o.is_deleted).length,
      deals: s.deals.filter((d) => d.companyId === c.id).length,
      products: s.products.filter((p) => p.companyId === c.id && !p.is_deleted).length,
      files: s.files.filter((f) => f.companyId === c.id && f.active_flag).length,
      customPersonFields: store.customFields(c.id).map((f) => ({ id: f.id, key: f.key, name: f.name, field_type: f.field_type })),
    })),
    installations: s.installations,
    activeAccessTokens: s.accessTokens.filter((t) => t.expiresAt > deps.ctx.now()).length,
    webhooks: s.webhooks.map((w) => ({ id: w.id, companyId: w.companyId, ownerId: w.ownerId, event: `${w.event_action}.${w.event_object}`, url: w.subscription_url, lastStatus: w.last_http_status })),
    recentWebhookDeliveries: webhooks.log.slice(-20),
    faults: faults.list(),
  };
}

export function registerAdminRoutes(router: Router, deps: EmulatorDeps, defaultCompanyId: () => number): void {
  const { store, installs, faults } = deps;
  const guarded = (handler: (body: Record<string, unknown>, params: Record<string, string>) => unknown) => (req: SandboxRequest) => {
    try {
      const body = readJson<Record<string, unknown>>(req) ?? {};
      return Promise.resolve(handler(body, req.params)).then((result) => json(200, result ?? { ok: true }));
    } catch (error) {
      if (error instanceof ApiFailure) return json(error.status, { error: error.message });
      throw error;
    }
  };

  router.post('/_admin/faults', guarded((body) => ({ id: faults.add(body as unknown as FaultRule) })));
  router.get('/_admin/faults', () => json(200, faults.list()));
  router.delete('/_admin/faults', () => {
    faults.clear();
    return json(200, { ok: true });
  });

  router.post('/_admin/config', guarded((body) => {
    const companyId = body.companyId === undefined ? defaultCompanyId() : Number(body.companyId);
    applyConfig(deps, companyId, body as PipedriveConfigPatch);
    return { settings: store.state.settings, company: store.company(companyId) };
  }));

  router.post('/_admin/companies/:id/generate-persons', guarded((body, params) => {
    const companyId = Number(params.id);
    const count = Number(body.count ?? 100);
    if (!Number.isInteger(count) || count < 1 || count > 200_000) throw new ApiFailure(400, 'count must be an integer between 1 and 200000.');
    const ownerId = body.ownerId === undefined ? store.usersOf(companyId).find((u) => u.isAdmin)?.id : Number(body.ownerId);
    if (!ownerId) throw new ApiFailure(400, 'ownerId is required.');
    return { count, ...store.generatePersons(companyId, ownerId, count) };
  }));

  router.post('/_admin/expire-access-tokens', () => {
    installs.expireAccessTokens();
    return json(200, { ok: true });
  });

  router.post('/_admin/uninstall', guarded((body) => installs.uninstall(Number(body.companyId ?? defaultCompanyId()), Number(body.userId))));

  router.get('/_admin/state/summary', () => json(200, stateSummary(deps)));

  router.get('/_admin/webhook-deliveries', () => json(200, deps.webhooks.log));
}
