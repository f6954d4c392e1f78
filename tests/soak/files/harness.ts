/**
 * The seeded fault soak for the files pillar (B10 for F4–F9). Each cycle: random edits on both sides of
 * two synced records — CRM file add / delete / rename (Pipedrive; Teamleader cannot rename), Dropbox add /
 * change / delete / rename / move into a sub-folder / sub-folder rename in either user's Dropbox, record
 * renames, and conflicting edits (CRM delete vs Dropbox edit, two users editing one file, CRM replace vs
 * Dropbox edit, CRM rename vs Dropbox rename); then faults for the next runs (429, 5xx, lost answers,
 * a reset cursor, expired CRM/Dropbox tokens, a revoked Dropbox grant, a crash between steps); then both
 * users' runs (tests/soak/driver.ts `runUntilQuiet`), and — faults off — rounds of hourly runs of both
 * connections until quiet, answering prompts as a user would (approve a paused delete, reconnect).
 *
 * The model follows logical files by their content (every content the soak writes is unique), so names
 * may change freely. Invariants per record after quiet:
 * - exactly one record folder per account, named after the record (F3/F9: a rename never makes a second);
 * - no duplicates: a content appears once in the CRM and once in each Dropbox;
 * - no lost edits / no unintended deletes / CRM deletes propagate: the CRM holds exactly the live
 *   logical files' current contents;
 * - converged: each Dropbox holds exactly the CRM's contents minus what that user deleted in Dropbox
 *   (a Dropbox delete never deletes the CRM file and is never re-uploaded, F5), with the same file name
 *   in every Dropbox and that name at the end of the CRM name (flattening adds sub-folders in front);
 * - never wedged: every connection succeeds within MAX_QUIET_ROUNDS fault-free rounds.
 */
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { syncConnections } from '@/db/schema';
import { answerFileDeletes } from '@/lib/files/service';
import { runUntilQuiet, type RunOutcome } from '../driver';
import { createRng, type Rng } from '../prng';
import { createFilesWorld, expectedFolderName, filesConfigName, type FilesSoakConfig, type FilesWorld, type HeldFile, type Matcher, type SoakRecord, type SoakUser } from './world';

export const FILE_FAULT_KINDS = ['rate_limit', 'server_error', 'lost_answer', 'reset_cursor', 'expired_token', 'revoked_token', 'crash'] as const;
export type FileFaultKind = (typeof FILE_FAULT_KINDS)[number];
const FAULT_WEIGHTS: Record<FileFaultKind, number> = { rate_limit: 3, server_error: 3, lost_answer: 4, reset_cursor: 2, expired_token: 2, revoked_token: 1, crash: 3 };

export type FileViolationKind = 'second_folder' | 'duplicate' | 'not_converged' | 'lost_edit' | 'unintended_delete' | 'delete_not_propagated' | 're_uploaded' | 'wedged';
export type FileViolation = { cycle: number; kind: FileViolationKind; detail: string };
export type FilesSoakReport = {
  config: FilesSoakConfig;
  seed: number;
  cycles: number;
  runs: number;
  ops: Record<string, number>;
  faultsInjected: Record<FileFaultKind, number>;
  faultsFired: Record<FileFaultKind, number>;
  relinks: number;
  deleteConfirmations: number;
  maxQuietRounds: number;
  violations: FileViolation[];
  durationMs: number;
};

export const MAX_QUIET_ROUNDS = 4;

/** A logical file: its current content, and the users who deleted it in their Dropbox (tombstones). */
type Logical = { content: string; alive: boolean; tombstones: Set<string> };

const zero = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const dirName = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

const maybePick = <T>(rng: Rng, list: readonly T[]): T | undefined => (list.length ? rng.pick(list) : undefined);

function weightedFault(rng: Rng): FileFaultKind {
  const total = FILE_FAULT_KINDS.reduce((s, k) => s + FAULT_WEIGHTS[k], 0);
  let r = rng.next() * total;
  for (const k of FILE_FAULT_KINDS) {
    r -= FAULT_WEIGHTS[k];
    if (r < 0) return k;
  }
  return 'server_error';
}

async function connectionStatus(id: string) {
  const db = await getDb();
  const [s] = await db.select({ status: syncConnections.status }).from(syncConnections).where(eq(syncConnections.id, id));
  return s?.status;
}

export async function runFilesSoak(
  config: FilesSoakConfig,
  opts: { seed: number; cycles: number; log?: (line: string) => void; trace?: (line: string) => void; progress?: (cycle: number) => void; adminUrl?: string | null },
): Promise<FilesSoakReport> {
  const started = Date.now();
  const rng = createRng(opts.seed);
  const world: FilesWorld = await createFilesWorld(config, { adminUrl: opts.adminUrl });
  const dbx = world.app.sandbox.dropbox;
  const report: FilesSoakReport = {
    config, seed: opts.seed, cycles: 0, runs: 0, ops: {}, faultsInjected: zero(FILE_FAULT_KINDS), faultsFired: zero(FILE_FAULT_KINDS),
    relinks: 0, deleteConfirmations: 0, maxQuietRounds: 0, violations: [], durationMs: 0,
  };
  const model = new Map<string, Logical[]>(world.records.map((r) => [r.id, []]));
  const reported = new Set<string>();
  let serial = 0;
  const token = () => `soak:${opts.seed}:${++serial}`;
  let applied = 0;
  const op = (name: string, detail = '') => {
    applied++;
    report.ops[name] = (report.ops[name] ?? 0) + 1;
    opts.trace?.(`  op ${name} ${detail}`);
  };

  const run = async (user: SoakUser, o: Parameters<typeof runUntilQuiet>[1] = {}): Promise<RunOutcome> => {
    report.runs++;
    const r = await runUntilQuiet(user.syncId, o);
    opts.trace?.(`    run ${user.email} ${o.trigger ?? 'refresh'}: ${r.status} ${r.error?.code ?? ''} ${r.error?.message ?? ''} (attempts ${r.attempts}, crashes ${r.crashes})`);
    return r;
  };

  /** What a user does when the sync asks: approve a paused mass delete (B3), reconnect a revoked Dropbox. */
  const answerPrompts = async (user: SoakUser) => {
    const status = await connectionStatus(user.syncId);
    if (status === 'paused_deletes') {
      await answerFileDeletes(user.tenant, true);
      report.deleteConfirmations++;
      await run(user, { trigger: 'confirm' });
    } else if (status === 'needs_reconnect') {
      await world.relinkDropbox(user);
      report.relinks++;
    }
  };

  type Seen = { crm: (HeldFile & { folder: string | null })[]; dropbox: Map<string, HeldFile[]>; folders: Map<string, { path: string; name: string }[]> };
  const observe = async (record: SoakRecord): Promise<Seen> => ({
    crm: await world.crmList(record),
    dropbox: new Map(world.users.map((u) => [u.email, world.dropboxFiles(u, record)])),
    folders: new Map(world.users.map((u) => [u.email, world.folders(u, record)])),
  });

  const check = async (cycle: number): Promise<FileViolation[]> => {
    const out: FileViolation[] = [];
    const add = (kind: FileViolationKind, detail: string) => out.push({ cycle, kind, detail });
    for (const record of world.records) {
      const seen = await observe(record);
      const tag = `record ${record.id}`;
      const wantFolder = expectedFolderName(await world.recordName(record), record.id);
      for (const [email, folders] of seen.folders) {
        if (folders.length !== 1) add('second_folder', `${tag}: ${email} has ${folders.length} record folders (${folders.map((f) => f.path).join(', ')})`);
        else if (folders[0]!.name !== wantFolder) add('not_converged', `${tag}: ${email} folder is "${folders[0]!.name}", record is "${wantFolder}"`);
      }
      const count = (list: HeldFile[]) => {
        const m = new Map<string, HeldFile[]>();
        for (const f of list) m.set(f.content, [...(m.get(f.content) ?? []), f]);
        return m;
      };
      const crm = count(seen.crm);
      for (const [content, held] of crm) if (held.length > 1) add('duplicate', `${tag}: CRM holds "${content}" ${held.length}× (${held.map((h) => h.path).join(', ')})`);
      const logicals = model.get(record.id)!;
      for (const l of logicals) {
        if (l.alive && !crm.has(l.content)) add(l.tombstones.size ? 'unintended_delete' : 'lost_edit', `${tag}: "${l.content}" missing in the CRM`);
      }
      const live = new Set(logicals.filter((l) => l.alive).map((l) => l.content));
      for (const content of crm.keys()) if (!live.has(content)) add('delete_not_propagated', `${tag}: the CRM still holds "${content}" (deleted or replaced)`);
      for (const user of world.users) {
        const mine = count(seen.dropbox.get(user.email) ?? []);
        for (const [content, held] of mine) if (held.length > 1) add('duplicate', `${tag}: ${user.email} holds "${content}" ${held.length}× (${held.map((h) => h.path).join(', ')})`);
        const tomb = new Set(logicals.filter((l) => l.tombstones.has(user.email)).map((l) => l.content));
        for (const content of crm.keys()) {
          if (tomb.has(content)) {
            if (mine.has(content)) add('re_uploaded', `${tag}: "${content}" is back in ${user.email}'s Dropbox after its delete there`);
          } else if (!mine.has(content)) add('not_converged', `${tag}: "${content}" is in the CRM but not in ${user.email}'s Dropbox`);
        }
        for (const content of mine.keys()) if (!crm.has(content)) add(live.has(content) ? 'not_converged' : 'delete_not_propagated', `${tag}: ${user.email}'s Dropbox holds "${content}", the CRM does not`);
      }
      // Names: every Dropbox shows one name for a file, and the CRM name ends with it (flattened sub-folders go in front).
      for (const [content, [crmFile]] of crm) {
        const names = new Set(world.users.flatMap((u) => (seen.dropbox.get(u.email) ?? []).filter((f) => f.content === content).map((f) => baseName(f.path))));
        if (names.size > 1) add('not_converged', `${tag}: "${content}" has different names in the two Dropboxes (${[...names].join(' / ')})`);
        const [name] = names;
        if (name && !crmFile!.path.endsWith(name)) add('not_converged', `${tag}: "${content}" is "${crmFile!.path}" in the CRM, "${name}" in Dropbox`);
      }
    }
    return out;
  };

  /** After a reported violation the model follows what the CRM holds (tombstones kept where still true). */
  const rebase = async () => {
    for (const record of world.records) {
      const seen = await observe(record);
      const before = model.get(record.id)!;
      model.set(
        record.id,
        [...new Set(seen.crm.map((f) => f.content))].map((content) => {
          const tombstones = new Set(world.users.filter((u) => !(seen.dropbox.get(u.email) ?? []).some((f) => f.content === content)).map((u) => u.email));
          return { content, alive: true, tombstones: before.find((l) => l.content === content) ? tombstones : new Set<string>() };
        }),
      );
    }
  };

  // Start: two CRM files per record besides any demo files; they and the demo files are the first logical
  // files. The first runs are fault-free.
  for (const record of world.records) for (let i = 0; i < 2; i++) await world.crmAdd(record, `c${++serial}.txt`, `soak:${opts.seed}:${serial}`);
  for (const user of world.users) await run(user, { trigger: 'start' });
  for (const user of world.users) await run(user);
  for (const record of world.records) model.set(record.id, [...new Set((await world.crmList(record)).map((f) => f.content))].map((content) => ({ content, alive: true, tombstones: new Set<string>() })));
  const initial = await check(0);
  if (initial.length) {
    report.violations.push(...initial);
    await rebase();
  }

  for (let cycle = 1; cycle <= opts.cycles; cycle++) {
    report.cycles = cycle;
    opts.trace?.(`cycle ${cycle}`);
    let renamedRecord = false;
    // 1. Edits (each logical file touched once per cycle, except the deliberate conflicts).
    const touched = new Set<Logical>();
    /** Dropbox deletes of this cycle, per user: a reset cursor hides them (documented: re-sync by id). */
    const deletedNow: { l: Logical; email: string }[] = [];
    const nOps = rng.int(1, 3);
    // An edit that finds nothing to act on (no file yet, nothing left untouched) is drawn again.
    for (let i = 0, tries = 0; i < nOps && tries < 12; tries++) {
      const before = applied;
      await edit();
      if (applied > before) i++;
    }
    async function edit(): Promise<void> {
      const record = rng.pick(world.records);
      const logicals = model.get(record.id)!;
      const seen = await observe(record);
      const user = rng.pick(world.users);
      const other = world.users.find((u) => u !== user)!;
      const folder = seen.folders.get(user.email)?.[0];
      const crmFileOf = (l: Logical) => seen.crm.find((f) => f.content === l.content);
      const copyIn = (u: SoakUser, l: Logical) => (seen.dropbox.get(u.email) ?? []).find((f) => f.content === l.content);
      const candidates = (pred: (l: Logical) => boolean) => logicals.filter((l) => l.alive && !touched.has(l) && pred(l));
      const kind = rng.pick(['crm_add', 'crm_delete', 'crm_rename', 'dbx_add', 'dbx_add', 'dbx_change', 'dbx_change', 'dbx_delete', 'dbx_rename', 'dbx_move', 'dbx_subfolder_rename', 'record_rename', 'conflict', 'conflict', 'crm_bulk_add', 'crm_bulk_delete'] as const);
      const fresh = (content: string): Logical => {
        const l = { content, alive: true, tombstones: new Set<string>() };
        logicals.push(l);
        touched.add(l);
        return l;
      };
      if (kind === 'crm_add') {
        const content = token();
        await world.crmAdd(record, `c${serial}.txt`, content);
        fresh(content);
        op(kind, content);
      } else if (kind === 'crm_bulk_add') {
        // Files arrive in batches too; a later bulk delete then has enough to trip the brake (B3).
        for (let k = 0; k < 8; k++) {
          const content = token();
          await world.crmAdd(record, `b${serial}.txt`, content);
          fresh(content);
        }
        op(kind, record.id);
      } else if (kind === 'crm_bulk_delete') {
        // A mass delete in the CRM: more than the brake lets through without asking (B3); the user approves.
        const many = candidates((x) => !!crmFileOf(x));
        if (many.length < 7) return;
        for (const l of many.slice(0, rng.int(7, Math.min(10, many.length)))) {
          await world.crmDelete(crmFileOf(l)!.id);
          l.alive = false;
          touched.add(l);
        }
        op(kind, record.id);
      } else if (kind === 'crm_delete') {
        const l = maybePick(rng, candidates((x) => !!crmFileOf(x)));
        if (!l) return;
        await world.crmDelete(crmFileOf(l)!.id);
        l.alive = false;
        touched.add(l);
        op(kind, l.content);
      } else if (kind === 'crm_rename') {
        const l = maybePick(rng, candidates((x) => !!crmFileOf(x)));
        if (!l || !world.canRename) return;
        await world.crmRename(crmFileOf(l)!.id, `r${++serial}.txt`);
        touched.add(l);
        op(kind, l.content);
      } else if (kind === 'dbx_add') {
        if (!folder) return;
        const content = token();
        const sub = rng.chance(0.3) ? 'Sub/' : '';
        dbx.writeFile(user.email, `${folder.path}/${sub}d${serial}.txt`, Buffer.from(content));
        fresh(content);
        op(kind, `${user.email} ${sub}${content}`);
      } else if (kind === 'dbx_change') {
        const l = maybePick(rng, candidates((x) => !!copyIn(user, x)));
        if (!l || !folder) return;
        const content = token();
        dbx.writeFile(user.email, `${folder.path}/${copyIn(user, l)!.path}`, Buffer.from(content), 'overwrite');
        l.content = content;
        touched.add(l);
        op(kind, `${user.email} ${content}`);
      } else if (kind === 'dbx_delete') {
        const l = maybePick(rng, candidates((x) => !!copyIn(user, x)));
        if (!l) return;
        dbx.deleteEntry(user.email, copyIn(user, l)!.id);
        l.tombstones.add(user.email);
        deletedNow.push({ l, email: user.email });
        touched.add(l);
        op(kind, `${user.email} ${l.content}`);
      } else if (kind === 'dbx_rename') {
        const l = maybePick(rng, candidates((x) => !!copyIn(user, x)));
        if (!l) return;
        dbx.rename(user.email, copyIn(user, l)!.id, `n${++serial}.txt`);
        touched.add(l);
        op(kind, `${user.email} ${l.content}`);
      } else if (kind === 'dbx_move') {
        const l = maybePick(rng, candidates((x) => !!copyIn(user, x)));
        if (!l || !folder) return;
        const copy = copyIn(user, l)!;
        const target = dirName(copy.path) ? '' : rng.pick(['Sub', 'Other']);
        if (dbx.entries(user.email).some((e) => e.pathLower === `${folder.path}/${target ? `${target}/` : ''}${baseName(copy.path)}`.toLowerCase())) return;
        dbx.move(user.email, copy.id, `${folder.path}/${target ? `${target}/` : ''}${baseName(copy.path)}`);
        touched.add(l);
        op(kind, `${user.email} ${l.content} → ${target || 'top'}`);
      } else if (kind === 'dbx_subfolder_rename') {
        if (!folder) return;
        const subs = dbx.entries(user.email).filter((e) => e.kind === 'folder' && e.pathLower.startsWith(`${folder.path.toLowerCase()}/`) && !e.pathLower.slice(folder.path.length + 1).includes('/'));
        const sub = maybePick(rng, subs);
        if (!sub) return;
        const inside = logicals.filter((l) => copyIn(user, l)?.path.toLowerCase().startsWith(`${sub.name.toLowerCase()}/`));
        if (inside.some((l) => touched.has(l))) return;
        dbx.rename(user.email, sub.id, `S${++serial}`);
        for (const l of inside) touched.add(l);
        op(kind, `${user.email} ${sub.name}`);
      } else if (kind === 'record_rename') {
        world.renameRecord(record, `Renamed ${++serial}`);
        renamedRecord = true;
        op(kind, record.id);
      } else {
        // Conflicting edits on one file before the next run.
        const variant = rng.pick(['crm_delete_dbx_edit', 'two_users_edit', 'crm_replace_dbx_edit', 'crm_rename_dbx_rename'] as const);
        const l = maybePick(rng, candidates((x) => !!crmFileOf(x) && !!copyIn(user, x) && !!copyIn(other, x) && x.tombstones.size === 0));
        if (!l || !folder) return;
        touched.add(l);
        const crmFile = crmFileOf(l)!;
        const mine = copyIn(user, l)!;
        if (variant === 'crm_delete_dbx_edit') {
          // The edit wins (F4/B10): it goes back to the CRM as a new file; the CRM version is gone.
          const content = token();
          await world.crmDelete(crmFile.id);
          dbx.writeFile(user.email, `${folder.path}/${mine.path}`, Buffer.from(content), 'overwrite');
          l.alive = false;
          fresh(content);
        } else if (variant === 'two_users_edit') {
          // Both versions are kept: one keeps the name, the other becomes a conflicted copy.
          const theirs = copyIn(other, l)!;
          const otherFolder = seen.folders.get(other.email)?.[0];
          if (!otherFolder) return;
          const a = token();
          const b = token();
          dbx.writeFile(user.email, `${folder.path}/${mine.path}`, Buffer.from(a), 'overwrite');
          dbx.writeFile(other.email, `${otherFolder.path}/${theirs.path}`, Buffer.from(b), 'overwrite');
          l.content = a;
          fresh(b);
        } else if (variant === 'crm_replace_dbx_edit') {
          // A CRM "replace" (delete + add under the same name) is a CRM edit; with a Dropbox edit both are kept.
          const a = token();
          const b = token();
          await world.crmDelete(crmFile.id);
          await world.crmAdd(record, crmFile.path, a);
          dbx.writeFile(user.email, `${folder.path}/${mine.path}`, Buffer.from(b), 'overwrite');
          l.content = a;
          fresh(b);
        } else {
          if (!world.canRename) return;
          await world.crmRename(crmFile.id, `cr${++serial}.txt`);
          dbx.rename(user.email, mine.id, `dr${++serial}.txt`);
        }
        op(`conflict_${variant}`, `${user.email} ${l.content}`);
      }
    }

    // 2. Faults for the next runs.
    const rules: { injector: { list(): { id?: string }[] }; id: string; kind: FileFaultKind }[] = [];
    let crashAfterStep: number | undefined;
    const revoked: SoakUser[] = [];
    const nFaults = rng.chance(0.2) ? 0 : rng.int(1, 2);
    for (let i = 0; i < nFaults; i++) {
      const kind = weightedFault(rng);
      report.faultsInjected[kind]++;
      const onDropbox = rng.chance(0.5);
      const injector = onDropbox ? dbx.faults : world.crmFaults;
      const endpoints = onDropbox ? world.dropboxEndpoints : world.crmEndpoints;
      const pick = (writes: boolean): Matcher => rng.pick(writes ? endpoints.write : endpoints.read);
      const body = (status: number) =>
        onDropbox ? (status === 429 ? { error_summary: 'too_many_requests/..', error: { reason: { '.tag': 'too_many_requests' }, retry_after: 1 } } : 'Internal Server Error') : world.crmErrorBody(status);
      opts.trace?.(`  fault ${kind} on ${onDropbox ? 'dropbox' : 'crm'}`);
      if (kind === 'rate_limit') {
        rules.push({ injector, kind, id: injector.add({ ...pick(rng.chance(0.5)), status: 429, headers: { 'retry-after': '1', ...(onDropbox ? { 'content-type': 'application/json' } : {}) }, times: rng.int(1, 2), skip: rng.int(0, 2), body: body(429) }) });
      } else if (kind === 'server_error') {
        const status = rng.pick([500, 502, 503]);
        rules.push({ injector, kind, id: injector.add({ ...pick(rng.chance(0.5)), status, times: rng.int(1, 3), skip: rng.int(0, 2), body: body(status) }) });
      } else if (kind === 'lost_answer') {
        rules.push({ injector, kind, id: injector.add({ ...pick(true), phase: 'after', status: rng.pick([500, 502, 504]), times: 1, skip: rng.int(0, 1), body: body(500) }) });
      } else if (kind === 'reset_cursor') {
        const u = rng.pick(world.users);
        dbx.resetCursors(u.email);
        // After a reset Dropbox cannot say what was deleted: the engine re-syncs by id and never deletes (B3),
        // so a file this user deleted just before comes back to their Dropbox. That is the documented rule.
        for (const d of deletedNow) if (d.email === u.email) d.l.tombstones.delete(u.email);
        report.faultsFired.reset_cursor++;
      } else if (kind === 'expired_token') {
        if (onDropbox) dbx.expireAccessTokens();
        else world.expireCrmTokens();
        report.faultsFired.expired_token++;
      } else if (kind === 'revoked_token') {
        const u = rng.pick(world.users);
        await world.revokeDropbox(u);
        revoked.push(u);
      } else crashAfterStep = rng.int(1, 4);
    }

    // 3. The faulted runs: both users, in random order, hourly (70 %) or Refresh.
    const order = rng.chance(0.5) ? [...world.users] : [...world.users].reverse();
    for (const [i, user] of order.entries()) {
      const outcome = await run(user, { trigger: rng.chance(0.7) ? 'hourly' : 'refresh', ...(i === 0 && crashAfterStep ? { crashAfterStep } : {}) });
      if (outcome.crashes) report.faultsFired.crash += outcome.crashes;
    }
    for (const r of rules) report.faultsFired[r.kind] += (r.injector.list().find((x) => x.id === r.id) as { hits?: number } | undefined)?.hits ?? 0;
    opts.trace?.(`  fault rules after the runs: ${JSON.stringify([...dbx.faults.list(), ...world.crmFaults.list()].map((r) => ({ path: r.path, status: r.status, phase: r.phase, hits: (r as { hits?: number }).hits })))}`);
    dbx.faults.clear();
    world.crmFaults.clear();
    for (const u of revoked) if ((await connectionStatus(u.syncId)) === 'needs_reconnect') report.faultsFired.revoked_token++;

    // 4. Faults off: rounds of both users' runs until quiet. Hourly runs (the unchanged-record shortcut must
    // not hide anything); after a record rename the first round is what the CRM's record webhook asks for.
    let quiet = false;
    let violations: FileViolation[] = [];
    let failures: string[] = [];
    for (let k = 1; k <= MAX_QUIET_ROUNDS && !quiet; k++) {
      failures = [];
      for (const user of world.users) {
        await answerPrompts(user);
        const r = await run(user, { trigger: renamedRecord && k === 1 ? 'webhook' : 'hourly' });
        await answerPrompts(user);
        if (r.status === 'failed') failures.push(`${user.email}: ${r.error?.code} ${r.error?.message}`);
      }
      violations = failures.length ? [] : await check(cycle);
      quiet = failures.length === 0 && violations.length === 0 && (await Promise.all(world.users.map((u) => connectionStatus(u.syncId)))).every((s) => s === 'active');
      report.maxQuietRounds = Math.max(report.maxQuietRounds, k);
    }
    if (!quiet && failures.length) violations = [{ cycle, kind: 'wedged', detail: `still failing after ${MAX_QUIET_ROUNDS} fault-free rounds: ${failures.join('; ')}` }, ...(await check(cycle))];
    else if (!quiet && !violations.length) violations = [{ cycle, kind: 'wedged', detail: `a connection is not active after ${MAX_QUIET_ROUNDS} rounds: ${(await Promise.all(world.users.map((u) => connectionStatus(u.syncId)))).join(', ')}` }];
    const key = (v: FileViolation) => `${v.kind}:${v.detail.replace(/soak:\d+:\d+/g, '#')}`;
    const fresh = violations.filter((v) => !reported.has(key(v)));
    for (const v of violations) reported.add(key(v));
    if (fresh.length) {
      report.violations.push(...fresh);
      opts.log?.(`cycle ${cycle}: ${fresh.map((v) => `${v.kind} ${v.detail}`).join('; ')}`);
    }
    if (violations.length) await rebase();
    opts.progress?.(cycle);
  }
  report.durationMs = Date.now() - started;
  await world.close();
  return report;
}

export { FILES_CONFIGS, filesConfigName } from './world';
