/**
 * The signature fault soak (B10 for the Dropbox Sign archive). Each cycle: the team's demo accounts send, sign,
 * decline and cancel requests at random; faults are injected (429 with Dropbox Sign's rate headers, 5xx, lost
 * answers, the 409 while files are prepared, expired and revoked tokens on Dropbox Sign and Dropbox, a crash
 * between steps); callbacks are delivered duplicated, late and out of order; then the faulted run(s) with the
 * runner's retries (tests/soak/driver.ts), then — faults off — runs until quiet, and the invariants:
 *
 *   - every document completed after activation (team: every completed one, S4) is archived exactly once, in the
 *     right S2 folder of the right perspective (the user; team: every member involved);
 *   - nothing completed before activation is archived (user, S3), nor sent before it;
 *   - no duplicates in Dropbox (one signed and at most one original copy per request and perspective) or on CRM
 *     records (a file name at most once per record; a request sent from a record is on it exactly once, B7);
 *   - nothing lost (no complete request left waiting) and never wedged (the last quiet run succeeds).
 *
 * The folder oracle below is written from PRODUCT S2 independently of lib/sync/signatures/classification.ts.
 */
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { signatureDocuments, syncConnections } from '@/db/schema';
import { crmClientFor } from '@/lib/crm';
import { messagesFor } from '@/lib/i18n/catalogues';
import type { StoredRequest } from '@/sandbox/dropbox-sign/sign-state';
import { runUntilQuiet, runsUntilQuiet, type RunOutcome } from '../driver';
import { createRng, type Rng } from '../prng';
import { createSignWorld, OLIVIA, OLIVIA_DROPBOX, OUTSIDERS, PEOPLE, TEAM, TEAM_NAMES, type SignSoakConfig, type SignWorld } from './world';

export const SIGN_FAULT_KINDS = ['rate_limit', 'server_error', 'lost_answer', 'files_preparing', 'expired_token', 'revoked_sign', 'revoked_dropbox', 'crash'] as const;
export type SignFaultKind = (typeof SIGN_FAULT_KINDS)[number];
const WEIGHTS: Record<SignFaultKind, number> = { rate_limit: 3, server_error: 3, lost_answer: 4, files_preparing: 3, expired_token: 2, revoked_sign: 1, revoked_dropbox: 1, crash: 3 };

export type SignViolationKind = 'missing' | 'wrong_folder' | 'duplicate' | 'before_activation' | 'crm_duplicate' | 'crm_missing' | 'lost' | 'wedged';
export type SignViolation = { cycle: number; kind: SignViolationKind; detail: string };
export type SignSoakReport = {
  config: SignSoakConfig;
  seed: number;
  cycles: number;
  runs: number;
  ops: Record<string, number>;
  callbacks: { delivered: number; duplicates: number; late: number; runs: number };
  faultsInjected: Record<SignFaultKind, number>;
  faultsFired: Record<SignFaultKind, number>;
  relinks: number;
  maxQuietRuns: number;
  requests: number;
  archivedFiles: number;
  violations: SignViolation[];
  durationMs: number;
};

export const MAX_QUIET_RUNS = 4;
const zero = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const norm = (e: string) => e.trim().toLowerCase();

type Role = 'received' | 'signatureRequested' | 'sent' | 'signedAndReturned';

/** PRODUCT S2 from `me`'s side, as the request is now (null: not involved). */
export function expectedRole(r: Pick<StoredRequest, 'requesterEmail' | 'signers' | 'ccEmails'>, me: string): Role | null {
  const mine = r.signers.filter((s) => norm(s.email) === me);
  const others = r.signers.some((s) => norm(s.email) !== me);
  if (norm(r.requesterEmail) === me) return others ? 'signatureRequested' : mine.length ? 'sent' : null;
  if (mine.length) return mine.every((s) => s.statusCode === 'signed') ? 'signedAndReturned' : 'received';
  return r.ccEmails.some((c) => norm(c) === me) ? 'received' : null;
}

function weighted(rng: Rng): SignFaultKind {
  const total = SIGN_FAULT_KINDS.reduce((s, k) => s + WEIGHTS[k], 0);
  let x = rng.next() * total;
  for (const k of SIGN_FAULT_KINDS) {
    x -= WEIGHTS[k];
    if (x < 0) return k;
  }
  return 'server_error';
}

const signError = (status: number) =>
  status === 429
    ? { error: { error_msg: 'Too many requests.', error_name: 'exceeded_rate' } }
    : status === 409
      ? { error: { error_msg: 'Files are still being processed. Please try again later.', error_name: 'conflict' } }
      : { error: { error_msg: 'Internal server error.', error_name: 'server_error' } };

export async function runSignSoak(
  config: SignSoakConfig,
  opts: { seed: number; cycles: number; adminUrl?: string | null; log?: (line: string) => void; trace?: (line: string) => void; progress?: (cycle: number) => void },
): Promise<SignSoakReport> {
  const started = Date.now();
  const rng = createRng(opts.seed);
  const world: SignWorld = await createSignWorld(config, { adminUrl: opts.adminUrl });
  const sign = world.app.sandbox.dropboxSign;
  const dropbox = world.app.sandbox.dropbox;
  const pipedrive = world.app.sandbox.pipedrive;
  const report: SignSoakReport = {
    config, seed: opts.seed, cycles: 0, runs: 0, ops: {}, callbacks: { delivered: 0, duplicates: 0, late: 0, runs: 0 },
    faultsInjected: zero(SIGN_FAULT_KINDS), faultsFired: zero(SIGN_FAULT_KINDS), relinks: 0, maxQuietRuns: 0, requests: 0, archivedFiles: 0, violations: [], durationMs: 0,
  };
  const op = (name: string, detail = '') => {
    report.ops[name] = (report.ops[name] ?? 0) + 1;
    opts.trace?.(`  op ${name} ${detail}`);
  };
  const mine = new Set<string>(); // request ids the soak created
  let serial = 0;
  const pendingEvents: { email: string; type: string; id: string; at: number }[] = [];
  const oldEvents: typeof pendingEvents = [];

  const t = messagesFor('en').signatures;
  const folderNames: Record<Role, string> = { received: t.folders.received, signatureRequested: t.folders.signatureRequested, sent: t.folders.sent, signedAndReturned: t.folders.signedAndReturned };

  const emit = (r: StoredRequest, type: string) => {
    for (const email of TEAM) if (expectedRole(r, email)) pendingEvents.push({ email, type, id: r.id, at: Date.now() });
  };

  const send = () => {
    const from = rng.chance(0.75) ? rng.pick(TEAM) : rng.pick(OUTSIDERS);
    const pool = PEOPLE.filter((p) => p !== from);
    const signers: string[] = [];
    if (rng.chance(0.1)) signers.push(from); // "just me": Sent
    else {
      const n = rng.int(1, 2);
      while (signers.length < n) {
        const p = rng.pick(pool);
        if (!signers.includes(p)) signers.push(p);
      }
      if (rng.chance(0.15)) signers.push(from); // "me & others"
    }
    const ccPool = pool.filter((p) => !signers.includes(p));
    const cc = rng.chance(0.3) && ccPool.length ? [rng.pick(ccPool)] : [];
    const record = rng.chance(0.5) ? rng.pick(world.personIds) : null;
    const title = `S${opts.seed}-${++serial}`;
    const r = sign.createRequest({
      from,
      title,
      signers: signers.map((email) => ({ name: email.split('@')[0]!, email })),
      ccEmails: cc,
      documents: [{ name: `${title}.pdf`, data: Buffer.from(`%PDF-1.4 ${title}`) }],
      ...(record ? { metadata: { synclane_record: `person:${record}` } } : {}),
    });
    mine.add(r.id);
    emit(r, 'signature_request_sent');
    op('send', `${title} from ${from} to ${signers.join(',')}${cc.length ? ` cc ${cc}` : ''}`);
  };

  const open = () => [...mine].map((id) => sign.store.find(id)!).filter((r) => !r.canceledAt && !r.completedAt && !r.signers.some((s) => s.statusCode === 'declined'));

  const actOnce = () => {
    const kind = rng.pick(['send', 'send', 'sign', 'sign', 'sign', 'decline', 'cancel'] as const);
    const candidates = open();
    if (kind === 'send' || !candidates.length) return send();
    const r = rng.pick(candidates);
    const waiting = r.signers.filter((s) => s.statusCode !== 'signed');
    if (kind === 'cancel') {
      sign.store.cancel(r.id, sign.account(r.requesterEmail));
      emit(r, 'signature_request_canceled');
      return op('cancel', r.title);
    }
    const who = rng.pick(waiting).email;
    if (kind === 'decline') {
      sign.decline(r.id, who, 'soak');
      emit(r, 'signature_request_declined');
      return op('decline', `${r.title} by ${who}`);
    }
    const after = sign.sign(r.id, who);
    emit(after, 'signature_request_signed');
    if (after.completedAt) {
      emit(after, 'signature_request_all_signed');
      emit(after, 'signature_request_downloadable');
    }
    op('sign', `${r.title} by ${who}`);
  };

  const status = async () => {
    const db = await getDb();
    const [s] = await db.select({ status: syncConnections.status }).from(syncConnections).where(eq(syncConnections.id, world.archiveId));
    return s?.status;
  };

  /** A user answering what the archive asks: reconnect whichever account was revoked. */
  const answerPrompts = async () => {
    if ((await status()) !== 'needs_reconnect') return;
    await world.relinkSign();
    await world.relinkDropbox();
    report.relinks++;
  };

  const run = async (o: Parameters<typeof runUntilQuiet>[1] = {}): Promise<RunOutcome> => {
    report.runs++;
    return runUntilQuiet(world.archiveId, o);
  };

  // ---- the invariants ----------------------------------------------------------------------------------------
  // Only the archive under test: relinking Dropbox Sign with a Dropbox linked also starts the user's own archive.
  const root = `/${config.archive === 'team' ? t.team.rootFolder : t.folders.root}/`;
  const files = () => dropbox.entries(OLIVIA_DROPBOX).filter((e) => e.kind === 'file' && e.pathDisplay.startsWith(root));
  /**
   * Whose copies a request may have (`allowed`) and must have once signed (`required`). /list shows what an account
   * sent or must sign, never CC-only requests; those can only arrive through a callback hint, so a CC'd
   * perspective may hold one copy but need not.
   */
  const perspectives = (r: StoredRequest): { required: string[]; allowed: string[] } => {
    const listedFor = (m: string) => norm(r.requesterEmail) === m || r.signers.some((s) => norm(s.email) === m);
    if (config.archive === 'user') return { required: listedFor(OLIVIA) ? [OLIVIA] : [], allowed: [OLIVIA] };
    const involved = TEAM.filter((m) => expectedRole(r, m));
    return { required: TEAM.some(listedFor) ? involved : [], allowed: involved };
  };
  /** Where a perspective's copies live: `/<root>/<role>` (user) or `/<root>/<team>/<member>/<role>` (team). */
  const locate = (pathDisplay: string): { member: string; role: Role | null } => {
    const parts = pathDisplay.split('/').filter(Boolean);
    const roleName = parts[parts.length - 2]!;
    const role = (Object.keys(folderNames) as Role[]).find((k) => folderNames[k] === roleName) ?? null;
    return { member: config.archive === 'user' ? OLIVIA : (parts[2] ?? ''), role };
  };

  const check = async (cycle: number): Promise<SignViolation[]> => {
    const out: SignViolation[] = [];
    const activation = Math.floor(world.activatedAt / 1000) * 1000;
    const all = files();
    for (const id of mine) {
      const r = sign.store.find(id)!;
      const short = id.slice(0, 8);
      const copies = all.filter((f) => f.name.endsWith(` ${short}.pdf`));
      const signed = copies.filter((f) => f.name.includes(' (signed) '));
      const originals = copies.filter((f) => !f.name.includes(' (signed) '));
      const { required, allowed } = perspectives(r);
      const sentBefore = r.createdAt < activation;
      const completedBefore = !!r.completedAt && r.completedAt < activation;
      if (config.archive === 'user' && (completedBefore || (sentBefore && !r.completedAt))) {
        if (copies.length && (completedBefore || originals.length)) out.push({ cycle, kind: 'before_activation', detail: `${r.title}: ${copies.map((c) => c.pathDisplay).join(', ')}` });
      }
      for (const member of allowed) {
        const own = (list: typeof copies) => list.filter((f) => locate(f.pathDisplay).member === member);
        const mySigned = own(signed);
        const myOriginals = own(originals);
        if (mySigned.length > 1 || myOriginals.length > 1) out.push({ cycle, kind: 'duplicate', detail: `${r.title} (${member}): ${[...mySigned, ...myOriginals].map((f) => f.pathDisplay).join(', ')}` });
        const wantSigned = !!r.completedAt && (config.archive === 'team' || !completedBefore) && required.includes(member);
        if (wantSigned && mySigned.length === 0) out.push({ cycle, kind: 'missing', detail: `${r.title} (${member}): no signed copy` });
        if (!r.completedAt && mySigned.length) out.push({ cycle, kind: 'wrong_folder', detail: `${r.title} (${member}): a signed copy of an incomplete request` });
        const role = expectedRole(r, member);
        for (const f of mySigned) if (locate(f.pathDisplay).role !== role) out.push({ cycle, kind: 'wrong_folder', detail: `${r.title} (${member}): ${f.pathDisplay}, expected ${role}` });
      }
      const strangers = copies.filter((f) => !allowed.includes(locate(f.pathDisplay).member));
      if (strangers.length) out.push({ cycle, kind: 'wrong_folder', detail: `${r.title}: copies outside its perspectives: ${strangers.map((f) => f.pathDisplay).join(', ')}` });
    }
    // B7 (user archive): a request sent from a record is on it exactly once once signed after activation; no record holds a name twice.
    if (config.archive === 'user') {
      const crm = crmClientFor({ id: world.tenant.crmUserId, crm: world.tenant.crm, apiDomain: world.tenant.apiDomain });
      const names = new Map<string, string[]>();
      for (const person of world.personIds) {
        const list = (await crm.files.listRecordFiles('person', person)).map((f) => f.name);
        names.set(person, list);
        const dup = list.filter((n, i) => list.indexOf(n) !== i);
        if (dup.length) out.push({ cycle, kind: 'crm_duplicate', detail: `person ${person}: ${[...new Set(dup)].join(', ')}` });
      }
      for (const id of mine) {
        const r = sign.store.find(id)!;
        const record = typeof r.metadata.synclane_record === 'string' ? r.metadata.synclane_record.split(':')[1]! : null;
        const involved = norm(r.requesterEmail) === OLIVIA || r.signers.some((s) => norm(s.email) === OLIVIA);
        if (!record || !involved || !r.completedAt || r.completedAt < activation) continue;
        const on = (names.get(record) ?? []).filter((n) => n.endsWith(` ${id.slice(0, 8)}.pdf`));
        if (on.length !== 1) out.push({ cycle, kind: on.length ? 'crm_duplicate' : 'crm_missing', detail: `${r.title}: ${on.length} signed copies on person ${record}` });
      }
    }
    // Nothing lost: no complete request left waiting.
    const db = await getDb();
    const docs = await db.select().from(signatureDocuments).where(eq(signatureDocuments.archiveId, world.archiveId));
    for (const d of docs) {
      const r = sign.store.find(d.signatureRequestId);
      if (r?.completedAt && !r.canceledAt && d.state === 'waiting') out.push({ cycle, kind: 'lost', detail: `${r.title} (${d.memberKey || 'user'}): complete but still waiting (${d.lastErrorCode})` });
    }
    return out;
  };

  // ---- start: requests before activation (S3 / S4 retroactive), activation, the first run -----------------------
  for (let i = 0; i < 4; i++) send();
  for (const r of open().slice(0, 2)) for (const s of r.signers) sign.sign(r.id, s.email);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // second precision: "before" must be a second earlier
  await world.activate();
  pendingEvents.length = 0;
  await run({ trigger: 'start' });
  const reported = new Set<string>();
  const first = await check(0);
  for (const v of first) reported.add(`${v.kind}:${v.detail}`);
  report.violations.push(...first);

  for (let cycle = 1; cycle <= opts.cycles; cycle++) {
    report.cycles = cycle;
    // 1. People act.
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) actOnce();
    if (config.archive === 'team' && rng.chance(0.05)) {
      const team = sign.getState().teams['team_northwind0001']!;
      team.name = rng.pick(TEAM_NAMES.filter((x) => x !== team.name));
      op('rename_team', team.name);
    }

    // 2. Faults for the next run(s).
    const rules: { inj: { list(): { id?: string; hits?: number }[] }; id: string; kind: SignFaultKind }[] = [];
    let crashAfterStep: number | undefined;
    let revoked: SignFaultKind | null = null;
    const nFaults = rng.chance(0.2) ? 0 : rng.int(1, 2);
    for (let i = 0; i < nFaults; i++) {
      const kind = weighted(rng);
      report.faultsInjected[kind]++;
      opts.trace?.(`  fault ${kind}`);
      const target = rng.pick(['sign', 'dropbox', ...(config.archive === 'user' ? ['crm'] : [])] as const);
      const times = rng.int(1, 2);
      const skip = rng.int(0, 3);
      if (kind === 'rate_limit') {
        if (target === 'sign') {
          const reset = String(Math.floor(Date.now() / 1000) + 1);
          rules.push({ inj: sign.faults, kind, id: sign.faults.add({ path: rng.pick(['^/v3/signature_request/list', '^/v3/signature_request/files_as_file_url/', '^/v3/signature_request/[a-f0-9]+', '^/v3/(account|team)']), status: 429, times, skip, headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'content-type': 'application/json' }, body: signError(429) }) });
        } else if (target === 'dropbox') {
          rules.push({ inj: dropbox.faults, kind, id: dropbox.rateLimit(rng.pick(['too_many_requests', 'too_many_write_operations']), { path: rng.pick(['^/content/2/files/upload', '^/api/2/files/(get_metadata|create_folder_v2)']), times, retryAfterSeconds: 1 }) });
        } else {
          rules.push({ inj: pipedrive.faults, kind, id: pipedrive.faults.add({ path: 'api/v1/(files|persons/\\d+/files)', status: 429, times, skip, headers: { 'retry-after': '1' }, body: { success: false, error: 'Rate limit exceeded', errorCode: 429 } }) });
        }
      } else if (kind === 'server_error') {
        const status = rng.pick([500, 502, 503]);
        if (target === 'sign') rules.push({ inj: sign.faults, kind, id: sign.faults.add({ path: rng.pick(['^/v3/signature_request/list', '^/v3/signature_request/files_as_file_url/', '^/v3/signature_request/[a-f0-9]+', '^/_files/', '^/v3/(account|team)']), status, times, skip, body: signError(500) }) });
        else if (target === 'dropbox') rules.push({ inj: dropbox.faults, kind, id: dropbox.faults.add({ path: rng.pick(['^/content/2/files/upload', '^/api/2/files/get_metadata', '^/api/2/files/create_folder_v2', '^/content/2/files/download']), status, times, skip }) });
        else rules.push({ inj: pipedrive.faults, kind, id: pipedrive.faults.add({ path: 'api/v1/(files|persons/\\d+/files)', status, times, skip, body: { success: false, error: 'Internal server error', errorCode: status } }) });
      } else if (kind === 'lost_answer') {
        // The vendor did the write, the answer never came: Dropbox uploads/folders, Pipedrive attachments.
        if (target === 'crm') rules.push({ inj: pipedrive.faults, kind, id: pipedrive.faults.add({ method: 'POST', path: 'api/v1/files', phase: 'after', status: 502, times: 1, body: { success: false, error: 'Bad gateway' } }) });
        else rules.push({ inj: dropbox.faults, kind, id: dropbox.faults.add({ path: rng.chance(0.8) ? '^/content/2/files/upload' : '^/api/2/files/create_folder_v2', phase: 'after', status: rng.pick([500, 502, 504]), times: 1, skip: rng.chance(0.7) ? 0 : 1 }) });
      } else if (kind === 'files_preparing') {
        rules.push({ inj: sign.faults, kind, id: sign.faults.add({ path: '^/v3/signature_request/files_as_file_url/', status: 409, times: rng.int(1, 3), skip: rng.int(0, 1), headers: { 'content-type': 'application/json' }, body: signError(409) }) });
      } else if (kind === 'expired_token') {
        if (rng.chance(0.5)) sign.expireAccessTokens();
        else dropbox.expireAccessTokens();
        report.faultsFired.expired_token++;
      } else if (kind === 'revoked_sign') {
        sign.revokeAll(OLIVIA);
        revoked = kind;
      } else if (kind === 'revoked_dropbox') {
        dropbox.unlink(OLIVIA_DROPBOX);
        revoked = kind;
      } else crashAfterStep = rng.int(1, 6);
    }

    // 3. Callbacks: this cycle's events shuffled, some twice, some from earlier cycles (late); each accepted one
    //    asks for a hinted run, run at once under the faults. Then the hourly/Refresh run.
    const deliveries = [...pendingEvents];
    pendingEvents.length = 0;
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    const chosen = deliveries.filter(() => rng.chance(0.6));
    for (const e of chosen.filter(() => rng.chance(0.2))) {
      chosen.push(e);
      report.callbacks.duplicates++;
    }
    if (oldEvents.length && rng.chance(0.3)) {
      chosen.push(rng.pick(oldEvents));
      report.callbacks.late++;
    }
    oldEvents.push(...deliveries);
    if (oldEvents.length > 200) oldEvents.splice(0, oldEvents.length - 200);
    let outcome: RunOutcome | null = null;
    for (const e of chosen) {
      const res = await world.deliverCallback(e.email, e.type, e.id, e.at);
      report.callbacks.delivered++;
      if (res.status !== 200 || res.body !== 'Hello API Event Received') report.violations.push({ cycle, kind: 'wedged', detail: `callback answered ${res.status} ${res.body}` });
      for (const request of res.runs) {
        report.callbacks.runs++;
        outcome = await run({ request, crashAfterStep, trigger: 'webhook' });
        crashAfterStep = undefined;
      }
    }
    outcome = await run({ trigger: rng.chance(0.7) ? 'hourly' : 'refresh', crashAfterStep });
    opts.trace?.(`cycle ${cycle}: faulted run ${outcome.status} ${outcome.error?.code ?? ''} attempts ${outcome.attempts} crashes ${outcome.crashes}`);
    for (const r of rules) report.faultsFired[r.kind] += r.inj.list().find((x) => x.id === r.id)?.hits ?? 0;
    if (outcome.crashes) report.faultsFired.crash += outcome.crashes;
    if (revoked && (await status()) === 'needs_reconnect') report.faultsFired[revoked]++;
    sign.faults.clear();
    dropbox.faults.clear();
    pipedrive.faults.clear();

    // 4. Faults off: runs until quiet (bounded), reconnecting when asked.
    const settled = await runsUntilQuiet({
      cycle,
      maxRuns: MAX_QUIET_RUNS,
      run: () => run({ trigger: 'refresh' }),
      answerPrompts,
      check,
      trace: opts.trace,
      notSettled: (k, r, v) => opts.log?.(`cycle ${cycle}: quiet run ${k} not settled yet (${r.status} ${r.error?.code ?? ''} ${r.error?.message ?? ''}; ${v.map((x) => `${x.kind} ${x.detail}`).join('; ') || 'no violation'})`),
    });
    const violations: SignViolation[] = settled.violations;
    report.maxQuietRuns = Math.max(report.maxQuietRuns, settled.runs);
    const fresh = violations.filter((v) => !reported.has(`${v.kind}:${v.detail}`));
    for (const v of violations) reported.add(`${v.kind}:${v.detail}`);
    if (fresh.length) {
      report.violations.push(...fresh);
      opts.log?.(`cycle ${cycle}: ${fresh.map((v) => `${v.kind} ${v.detail}`).join('; ')}`);
    }
    opts.progress?.(cycle);
  }
  report.requests = mine.size;
  report.archivedFiles = files().length;
  report.durationMs = Date.now() - started;
  await world.close();
  return report;
}
