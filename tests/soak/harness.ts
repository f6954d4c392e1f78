/**
 * The seeded fault soak (B10). Each cycle: random creates / updates / deletes / conflicting edits on the
 * side(s) the direction lets a user edit, faults injected for the next run, the run with the runner's
 * retries (tests/soak/driver.ts), then — faults off — up to MAX_QUIET_RUNS runs until quiet, and the
 * invariants: no duplicates on either side, both sides converge, no lost edits (conflict policy `crm`),
 * no unintended deletes, deletes propagate, never wedged. A violation re-bases the model on what the
 * CRM holds so one defect is reported once, not on every later cycle.
 */
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { syncConnections } from '@/db/schema';
import { resolvePendingDeletes } from '@/lib/contacts/service';
import { runUntilQuiet, runsUntilQuiet, type RunOutcome } from './driver';
import { createRng, type Rng } from './prng';
import { createWorld, SOAK_DOMAIN, type EndpointKind, type Fields, type Policy, type Side, type SideRecord, type SoakConfig, type World } from './world';

export const FAULT_KINDS = ['rate_limit', 'server_error', 'lost_answer', 'latency', 'expired_cursor', 'expired_token', 'revoked_token', 'crash'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
const FAULT_WEIGHTS: Record<FaultKind, number> = { rate_limit: 3, server_error: 3, lost_answer: 4, latency: 1, expired_cursor: 2, expired_token: 2, revoked_token: 1, crash: 3 };

export type ViolationKind = 'duplicate' | 'not_converged' | 'lost_edit' | 'unintended_delete' | 'delete_not_propagated' | 'wedged';
export type Violation = { cycle: number; kind: ViolationKind; detail: string };
export type SoakReport = {
  config: SoakConfig;
  seed: number;
  cycles: number;
  runs: number;
  ops: Record<string, number>;
  faultsInjected: Record<FaultKind, number>;
  /** HTTP faults: vendor responses the rules produced. Others: injected faults that took effect. */
  faultsFired: Record<FaultKind, number>;
  relinks: number;
  deleteConfirmations: number;
  maxQuietRuns: number;
  violations: Violation[];
  durationMs: number;
};

/** Runs after the faulted run, with no faults, before the sync must have converged. */
export const MAX_QUIET_RUNS = 4;
const POLICY: Policy = 'crm';

type Expected = { alive: boolean; fields: Fields };

const digits = (v: string | null | undefined) => (v ?? '').replace(/\D/g, '') || null;
const norm = (f: Fields) => ({ first: f.first.trim(), last: f.last.trim(), phone: digits(f.phone) });
const same = (a: Fields, b: Fields) => {
  const x = norm(a);
  const y = norm(b);
  return x.first === y.first && x.last === y.last && x.phone === y.phone;
};
const show = (f: Fields | undefined) => (f ? `${f.first}|${f.last}|${f.phone ?? '-'}` : 'absent');
const zero = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

const FIRST = ['Ada', 'Bea', 'Cas', 'Dirk', 'Eva', 'Finn', 'Greta', 'Hugo', 'Ines', 'Jules'];
function randomValue(rng: Rng, field: keyof Fields, current?: string | null): string | null {
  for (;;) {
    const v =
      field === 'first' ? rng.pick(FIRST) : field === 'last' ? `L${rng.int(1000, 9999)}` : rng.chance(0.15) ? null : `+32 470 ${rng.int(100, 999)} ${rng.int(100, 999)}`;
    if (v !== current) return v;
  }
}

function weightedFault(rng: Rng): FaultKind {
  const total = FAULT_KINDS.reduce((s, k) => s + FAULT_WEIGHTS[k], 0);
  let r = rng.next() * total;
  for (const k of FAULT_KINDS) {
    r -= FAULT_WEIGHTS[k];
    if (r < 0) return k;
  }
  return 'server_error';
}

async function syncStatus(world: World) {
  const db = await getDb();
  const [s] = await db.select({ status: syncConnections.status }).from(syncConnections).where(eq(syncConnections.id, world.syncId));
  return s?.status;
}

export async function runSoak(config: SoakConfig, opts: { seed: number; cycles: number; log?: (line: string) => void; trace?: (line: string) => void; progress?: (cycle: number) => void; adminUrl?: string | null }): Promise<SoakReport> {
  const started = Date.now();
  const rng = createRng(opts.seed);
  const world = await createWorld(config, { policy: POLICY, adminUrl: opts.adminUrl });
  const report: SoakReport = {
    config, seed: opts.seed, cycles: 0, runs: 0, ops: {}, faultsInjected: zero(FAULT_KINDS), faultsFired: zero(FAULT_KINDS),
    relinks: 0, deleteConfirmations: 0, maxQuietRuns: 0, violations: [], durationMs: 0,
  };
  const expected = new Map<string, Expected>();
  const reported = new Set<string>();
  const editable: ('crm' | 'provider')[] = config.direction === 'two_way' ? ['crm', 'provider'] : config.direction === 'crm_to_provider' ? ['crm'] : ['provider'];
  const sideOf = (n: 'crm' | 'provider'): Side => (n === 'crm' ? world.crm : world.provider);
  let serial = 0;
  const op = (name: string, email?: string) => {
    report.ops[name] = (report.ops[name] ?? 0) + 1;
    opts.trace?.(`  op ${name} ${email ?? ''}`);
  };

  const run = async (o: Parameters<typeof runUntilQuiet>[1] = {}): Promise<RunOutcome> => {
    report.runs++;
    return runUntilQuiet(world.syncId, o);
  };

  /** What a user does when the sync asks: approve a paused mass delete, reconnect a revoked account. */
  const answerPrompts = async () => {
    const status = await syncStatus(world);
    if (status === 'paused_deletes') {
      await resolvePendingDeletes(world.tenant, world.syncId, true);
      report.deleteConfirmations++;
      await run({ trigger: 'confirm' });
    } else if (status === 'needs_reconnect') {
      await world.relinkProvider();
      report.relinks++;
    }
  };

  const observe = () => {
    const index = (list: SideRecord[]) => {
      const m = new Map<string, SideRecord[]>();
      for (const r of list) m.set(r.email, [...(m.get(r.email) ?? []), r]);
      return m;
    };
    return { crm: index(world.crm.list()), provider: index(world.provider.list()) };
  };

  const check = (cycle: number): Violation[] => {
    const seen = observe();
    const out: Violation[] = [];
    for (const [name, idx] of Object.entries(seen))
      for (const [email, recs] of idx) if (recs.length > 1) out.push({ cycle, kind: 'duplicate', detail: `${name} holds ${recs.length} records for ${email}` });
    const emails = new Set([...expected.keys(), ...seen.crm.keys(), ...seen.provider.keys()]);
    for (const email of emails) {
      const exp = expected.get(email);
      const c = seen.crm.get(email)?.[0]?.fields;
      const p = seen.provider.get(email)?.[0]?.fields;
      if (!exp?.alive) {
        if (c || p) out.push({ cycle, kind: 'delete_not_propagated', detail: `${email}: expected deleted, crm ${show(c)}, provider ${show(p)}` });
        continue;
      }
      if (!c && !p) out.push({ cycle, kind: 'unintended_delete', detail: `${email}: expected ${show(exp.fields)}, gone on both sides` });
      else if (!c || !p || !same(c, p)) out.push({ cycle, kind: 'not_converged', detail: `${email}: crm ${show(c)} ≠ provider ${show(p)} (expected ${show(exp.fields)})` });
      else if (!same(c, exp.fields)) out.push({ cycle, kind: 'lost_edit', detail: `${email}: both sides ${show(c)}, expected ${show(exp.fields)}` });
    }
    return out;
  };

  /** After a reported violation the model follows what the CRM (else the provider) holds. */
  const rebase = () => {
    const seen = observe();
    for (const email of new Set([...expected.keys(), ...seen.crm.keys(), ...seen.provider.keys()])) {
      const f = seen.crm.get(email)?.[0]?.fields ?? seen.provider.get(email)?.[0]?.fields;
      expected.set(email, f ? { alive: true, fields: f } : { alive: false, fields: expected.get(email)?.fields ?? { first: '', last: '', phone: null } });
    }
  };

  const create = (side: 'crm' | 'provider') => {
    const email = `s${opts.seed}-${++serial}@${SOAK_DOMAIN}`;
    const fields: Fields = { first: rng.pick(FIRST), last: `L${rng.int(1000, 9999)}`, phone: rng.chance(0.8) ? `+32 470 ${rng.int(100, 999)} ${rng.int(100, 999)}` : null };
    sideOf(side).create(email, fields);
    expected.set(email, { alive: true, fields });
    op(`create_${side}`, email);
  };

  // Start: a few records on the editable side(s), then the first (fault-free) run.
  for (let i = 0; i < 3; i++) create(rng.pick(editable));
  await run({ trigger: 'start' });
  await answerPrompts();
  for (let i = 0; i < 2; i++) await run();
  const initial = check(0);
  if (initial.length) {
    report.violations.push(...initial);
    rebase();
  }

  for (let cycle = 1; cycle <= opts.cycles; cycle++) {
    report.cycles = cycle;
    // 1. Random edits through the emulators (records touched once per cycle, except deliberate conflicts).
    const seen = observe();
    const touched = new Set<string>();
    const live = () => [...expected.entries()].filter(([e, x]) => x.alive && !touched.has(e)).map(([e]) => e);
    const idOn = (side: 'crm' | 'provider', email: string) => seen[side].get(email)?.[0]?.id;
    const nOps = rng.int(1, 4);
    for (let i = 0; i < nOps; i++) {
      const kinds = config.direction === 'two_way' ? ['create', 'update', 'update', 'update', 'delete', 'conflict', 'conflict'] : ['create', 'update', 'update', 'delete'];
      const kind = rng.pick(kinds);
      const candidates = live();
      if (kind === 'create' || candidates.length === 0) {
        create(rng.pick(editable));
        continue;
      }
      const email = rng.pick(candidates);
      touched.add(email);
      const exp = expected.get(email)!;
      if (kind === 'update' || kind === 'delete') {
        const side = rng.pick(editable);
        const id = idOn(side, email);
        if (!id) continue;
        if (kind === 'delete') {
          sideOf(side).delete(id);
          exp.alive = false;
        } else {
          const field = rng.pick(['first', 'last', 'phone'] as const);
          const value = randomValue(rng, field, exp.fields[field]);
          sideOf(side).update(id, { [field]: value });
          exp.fields = { ...exp.fields, [field]: value };
        }
        op(`${kind}_${side}`, email);
        continue;
      }
      // Conflicts (two-way): both sides change the same record before the next run.
      const crmId = idOn('crm', email);
      const remoteId = idOn('provider', email);
      if (!crmId || !remoteId) continue;
      const variant = rng.pick(['same_field', 'other_fields', 'delete_crm_edit_provider', 'delete_provider_edit_crm'] as const);
      const fieldA = rng.pick(['first', 'last', 'phone'] as const);
      if (variant === 'same_field') {
        const crmValue = randomValue(rng, fieldA, exp.fields[fieldA]);
        let providerValue = randomValue(rng, fieldA, exp.fields[fieldA]);
        while (digits(providerValue) === digits(crmValue) && providerValue === crmValue) providerValue = randomValue(rng, fieldA, crmValue);
        world.crm.update(crmId, { [fieldA]: crmValue });
        world.provider.update(remoteId, { [fieldA]: providerValue });
        exp.fields = { ...exp.fields, [fieldA]: POLICY === 'crm' ? crmValue : providerValue };
      } else if (variant === 'other_fields') {
        const fieldB = rng.pick((['first', 'last', 'phone'] as const).filter((f) => f !== fieldA));
        const a = randomValue(rng, fieldA, exp.fields[fieldA]);
        const b = randomValue(rng, fieldB, exp.fields[fieldB]);
        world.crm.update(crmId, { [fieldA]: a });
        world.provider.update(remoteId, { [fieldB]: b });
        exp.fields = { ...exp.fields, [fieldA]: a, [fieldB]: b };
      } else {
        // An edit beats a concurrent delete (B10 rule 4): the record survives with the edit.
        const editSide = variant === 'delete_crm_edit_provider' ? 'provider' : 'crm';
        const value = randomValue(rng, fieldA, exp.fields[fieldA]);
        if (editSide === 'provider') {
          world.crm.delete(crmId);
          world.provider.update(remoteId, { [fieldA]: value });
        } else {
          world.provider.delete(remoteId);
          world.crm.update(crmId, { [fieldA]: value });
        }
        exp.fields = { ...exp.fields, [fieldA]: value };
      }
      op(`conflict_${variant}`, email);
    }

    // 2. Faults for the next run.
    const rules: { side: Side; id: string; kind: FaultKind }[] = [];
    let crashAfterStep: number | undefined;
    let cursorExpired = false;
    let revoked = false;
    const nFaults = rng.chance(0.2) ? 0 : rng.int(1, 2);
    for (let i = 0; i < nFaults; i++) {
      const kind = weightedFault(rng);
      report.faultsInjected[kind]++;
      opts.trace?.(`  fault ${kind}`);
      // Aim where this direction sends requests: the source side is read, the target side written.
      const writeSide = config.direction === 'crm_to_provider' ? world.provider : config.direction === 'provider_to_crm' ? world.crm : rng.pick([world.crm, world.provider]);
      const readSide = config.direction === 'crm_to_provider' ? world.crm : config.direction === 'provider_to_crm' ? world.provider : rng.pick([world.crm, world.provider]);
      const aimAtWrites = kind === 'lost_answer' || rng.chance(0.6);
      const side = aimAtWrites ? writeSide : readSide;
      const endpoint = (kinds: EndpointKind[]) => rng.pick(side.endpoints[aimAtWrites ? rng.pick(kinds.filter((k) => k !== 'read')) : 'read']);
      if (kind === 'rate_limit') {
        const e = endpoint(['create', 'update', 'delete', 'read']);
        rules.push({ side, kind, id: side.faults.add({ ...e, status: 429, headers: { 'retry-after': '1' }, times: rng.int(1, 2), skip: rng.int(0, 1), body: side.errorBody(429) }) });
      } else if (kind === 'server_error') {
        const e = endpoint(['create', 'update', 'delete', 'read']);
        const status = rng.pick([500, 502, 503]);
        rules.push({ side, kind, id: side.faults.add({ ...e, status, times: rng.int(1, 3), skip: rng.int(0, 1), body: side.errorBody(status) }) });
      } else if (kind === 'lost_answer') {
        const e = endpoint(['create', 'update', 'delete']);
        rules.push({ side, kind, id: side.faults.add({ ...e, phase: 'after', status: rng.pick([500, 502, 504]), times: 1, skip: 0, body: side.errorBody(500) }) });
      } else if (kind === 'latency') {
        // times: 0 never answers with the status; the delay applies to every matching request.
        side.faults.add({ ...endpoint(['read', 'create', 'update']), status: 200, times: 0, delayMs: rng.int(20, 120) });
        report.faultsFired.latency++;
      } else if (kind === 'expired_cursor') {
        world.expireProviderCursor();
        cursorExpired = true;
      } else if (kind === 'expired_token') {
        side.expireAccessTokens();
        report.faultsFired.expired_token++;
      } else if (kind === 'revoked_token') {
        await world.revokeProvider();
        revoked = true;
      } else crashAfterStep = rng.int(1, 5);
    }

    // 3. The faulted run (hourly or a Refresh), with the runner's retries.
    const outcome = await run({ trigger: rng.chance(0.7) ? 'hourly' : 'refresh', crashAfterStep });
    opts.trace?.(`cycle ${cycle}: faulted run ${outcome.status} ${outcome.error?.code ?? ''} attempts ${outcome.attempts} crashes ${outcome.crashes} rules ${JSON.stringify([...world.crm.faults.list(), ...world.provider.faults.list()])}`);
    for (const r of rules) report.faultsFired[r.kind] += (r.side.faults.list().find((x) => x.id === r.id) as { hits?: number } | undefined)?.hits ?? 0;
    if (outcome.crashes) report.faultsFired.crash += outcome.crashes;
    if (cursorExpired && config.direction !== 'crm_to_provider') report.faultsFired.expired_cursor++;
    world.crm.faults.clear();
    world.provider.faults.clear();
    world.restoreProviderCursorLifetime();
    if (revoked && (await syncStatus(world)) === 'needs_reconnect') report.faultsFired.revoked_token++;

    // 4. Faults off: runs until quiet (bounded), answering the sync's prompts as a user would.
    const settled = await runsUntilQuiet({ cycle, maxRuns: MAX_QUIET_RUNS, run: () => run({ trigger: 'refresh' }), answerPrompts, check, trace: opts.trace });
    let violations: Violation[] = settled.violations;
    report.maxQuietRuns = Math.max(report.maxQuietRuns, settled.runs);
    // A defect the engine does not repair stays visible on later cycles: it is reported once.
    const fresh = violations.filter((v) => !reported.has(`${v.kind}:${v.detail.split(':')[0]}`));
    for (const v of violations) reported.add(`${v.kind}:${v.detail.split(':')[0]}`);
    violations = fresh;
    if (violations.length) {
      report.violations.push(...violations);
      opts.log?.(`cycle ${cycle}: ${violations.map((v) => `${v.kind} ${v.detail}`).join('; ')}`);
      rebase();
    }
    opts.progress?.(cycle);
  }
  report.durationMs = Date.now() - started;
  await world.close();
  return report;
}

export const configName = (c: SoakConfig) => `${c.crm}-${c.provider}-${c.direction}`;
export const ALL_CONFIGS: SoakConfig[] = (['pipedrive', 'teamleader'] as const).flatMap((crm) =>
  (['google', 'microsoft'] as const).flatMap((provider) => (['two_way', 'provider_to_crm', 'crm_to_provider'] as const).map((direction) => ({ crm, provider, direction }))),
);
