/**
 * B10 Nothing wedges: the four failure classes a randomized fault soak found in the contact engine, each
 * as a deterministic case on the real runtime (app code, emulators, real Postgres), plus C12 for
 * Microsoft and the failing-connection state. Every test names the rule it checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { activity, contactLinks, syncConnections } from '@/db/schema';
import { FAILURES_BEFORE_ERROR_STATUS } from '@/lib/sync/runtime/retry-policy';
import { createWorld, type World } from '../soak/world';

const byEmail = <T extends { email: string }>(list: T[], email: string) => list.filter((r) => r.email === email);
async function linkOf(w: World, crmId: string) {
  const db = await getDb();
  const [l] = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, w.syncId), eq(contactLinks.crmId, crmId)));
  return l;
}
async function syncRow(w: World) {
  const db = await getDb();
  const [s] = await db.select().from(syncConnections).where(eq(syncConnections.id, w.syncId));
  return s!;
}
const fields = (last: string) => ({ first: 'Soak', last, phone: '+32 470 00 00 01' });

describe('B10 on Google ⇄ Pipedrive two-way', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({ crm: 'pipedrive', provider: 'google', direction: 'two_way' }, { policy: 'crm' });
    expect((await w.app.runSync(w.syncId, 'start')).status).toBe('succeeded');
  });
  afterAll(async () => w?.close());

  /** A CRM person exported and linked to its Google contact. */
  async function linkedPair(email: string, last: string) {
    const crmId = w.crm.create(email, fields(last));
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    const remote = byEmail(w.provider.list(), email);
    expect(remote).toHaveLength(1);
    return { crmId, remoteId: remote[0]!.id };
  }

  it('B10: a lost create answer neither duplicates nor wedges', async () => {
    const email = 'lost.create@soak.test';
    w.crm.create(email, fields('LostCreate'));
    w.provider.faults.add({ method: 'POST', path: 'people:batchCreateContacts', phase: 'after', status: 500, times: 1, body: w.provider.errorBody(500) });
    expect((await w.app.runSync(w.syncId)).status).toBe('failed');
    expect(byEmail(w.provider.list(), email)).toHaveLength(1); // Google applied the write; we never saw the answer
    for (let i = 0; i < 3; i++) expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email)).toHaveLength(1);
    expect(byEmail(w.provider.list(), email)).toHaveLength(1);
    const link = await linkOf(w, byEmail(w.crm.list(), email)[0]!.id);
    expect(link).toMatchObject({ state: 'linked', remoteId: byEmail(w.provider.list(), email)[0]!.id, pendingSince: null });
  });

  it('B10: create results are recorded the moment Google answers, even when the updates after them fail', async () => {
    const { crmId: editedId } = await linkedPair('batch.updated@soak.test', 'Before');
    const email = 'batch.created@soak.test';
    const newId = w.crm.create(email, fields('BatchCreated'));
    w.crm.update(editedId, { last: 'After' });
    w.provider.faults.add({ method: 'POST', path: 'people:batchUpdateContacts', status: 500, times: 4, body: w.provider.errorBody(500) });
    w.provider.faults.add({ method: 'PATCH', path: ':updateContact', status: 500, times: 4, body: w.provider.errorBody(500) });
    expect((await w.app.runSync(w.syncId)).status).toBe('failed');
    const link = await linkOf(w, newId);
    expect(link!.remoteId).toBe(byEmail(w.provider.list(), email)[0]!.id);
    expect(link!.pendingSince).toBeNull();
    w.provider.faults.clear();
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email)).toHaveLength(1);
    expect(byEmail(w.provider.list(), email)).toHaveLength(1);
    expect(byEmail(w.provider.list(), 'batch.updated@soak.test')[0]!.fields.last).toBe('After');
  });

  it('B10: a provider delete made while the change cursor is expired reaches the CRM', async () => {
    const email = 'deleted.while.expired@soak.test';
    const { remoteId } = await linkedPair(email, 'Expired');
    w.provider.delete(remoteId);
    w.expireProviderCursor();
    const r = await w.app.runSync(w.syncId);
    w.restoreProviderCursorLifetime();
    expect(r.status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email)).toHaveLength(0);
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email)).toHaveLength(0);
    expect(byEmail(w.provider.list(), email)).toHaveLength(0); // and it does not come back
  });

  it('B10: a CRM edit in the same CRM second as our own write is exported, whatever the clock skew', async () => {
    const email = 'clock.skew@soak.test';
    const { crmId, remoteId } = await linkedPair(email, 'Skew');
    w.app.sandbox.advanceClock(5_000); // the CRM's clock runs 5 s ahead of ours
    w.provider.update(remoteId, { first: 'FromGoogle' });
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded'); // our write bumps the CRM update time
    const recorded = (await linkOf(w, crmId))!.crmUpdatedAt!;
    w.crm.update(crmId, { last: 'CrmEdit' });
    // The user's edit landed in the same CRM second as our write: Pipedrive reports the same update_time.
    const state = w.app.sandbox.pipedrive.getState() as unknown as { persons: { id: number; update_time: number }[] };
    state.persons.find((p) => p.id === Number(crmId))!.update_time = Date.parse(recorded);
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.provider.list(), email)[0]!.fields).toMatchObject({ first: 'FromGoogle', last: 'CrmEdit' });
  });

  it('B10: a provider delete does not beat a concurrent CRM edit — the edit wins and the contact is re-created', async () => {
    const email = 'delete.vs.crm.edit@soak.test';
    const { crmId, remoteId } = await linkedPair(email, 'Original');
    w.crm.update(crmId, { last: 'EditedInCrm' });
    w.provider.delete(remoteId);
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email).map((r) => r.fields.last)).toEqual(['EditedInCrm']);
    expect(byEmail(w.provider.list(), email).map((r) => r.fields.last)).toEqual(['EditedInCrm']);
    const db = await getDb();
    const log = await db.select().from(activity).where(and(eq(activity.connectionId, w.syncId), eq(activity.crmId, crmId), eq(activity.action, 'added')));
    expect(log.some((a) => a.reasonCode === 'contacts.edit_beats_provider_delete')).toBe(true);
  });

  it('B10: a CRM delete does not beat a concurrent provider edit — the edit wins and the person is re-created', async () => {
    const email = 'crm.delete.vs.edit@soak.test';
    const { crmId, remoteId } = await linkedPair(email, 'Original');
    w.crm.delete(crmId);
    w.provider.update(remoteId, { last: 'EditedInGoogle' });
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email).map((r) => r.fields.last)).toEqual(['EditedInGoogle']);
    expect(byEmail(w.provider.list(), email).map((r) => r.fields.last)).toEqual(['EditedInGoogle']);
  });

  it('B10: a connection that keeps failing shows the error state, and recovers on the next good run', async () => {
    w.crm.faults.add({ method: 'GET', path: 'api/v2/persons', status: 503, body: w.crm.errorBody(503) });
    for (let i = 0; i < FAILURES_BEFORE_ERROR_STATUS - 1; i++) expect((await w.app.runSync(w.syncId)).status).toBe('failed');
    expect((await syncRow(w)).status).toBe('active'); // a few failures are retried quietly
    expect((await w.app.runSync(w.syncId)).status).toBe('failed');
    const failing = await syncRow(w);
    expect(failing.status).toBe('error');
    expect(failing.consecutiveFailures).toBe(FAILURES_BEFORE_ERROR_STATUS);
    expect(failing.lastErrorMessage).toMatch(/Pipedrive/);
    w.crm.faults.clear();
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect((await syncRow(w)).status).toBe('active');
  });
});

describe('B10 / C12 on Outlook ⇄ Pipedrive two-way', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({ crm: 'pipedrive', provider: 'microsoft', direction: 'two_way' }, { policy: 'crm' });
    expect((await w.app.runSync(w.syncId, 'start')).status).toBe('succeeded');
  });
  afterAll(async () => w?.close());

  it('B10: a lost create answer neither duplicates nor wedges (Graph)', async () => {
    const email = 'lost.graph.create@soak.test';
    w.crm.create(email, fields('LostGraph'));
    w.provider.faults.add({ method: 'POST', path: 'contactFolders/[^/]+/contacts$', phase: 'after', status: 500, times: 1, body: w.provider.errorBody(500) });
    expect((await w.app.runSync(w.syncId)).status).toBe('failed');
    expect(byEmail(w.provider.list(), email)).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email)).toHaveLength(1);
    expect(byEmail(w.provider.list(), email)).toHaveLength(1);
  });

  it('B10: a lost $batch answer (the batch of creates applied, its answer never seen) neither duplicates nor wedges (Graph)', async () => {
    const emails = ['lost.batch.1@soak.test', 'lost.batch.2@soak.test', 'lost.batch.3@soak.test'];
    for (const [i, email] of emails.entries()) w.crm.create(email, fields(`LostBatch${i}`));
    w.provider.faults.add({ method: 'POST', path: '\\$batch$', phase: 'after', status: 500, times: 1, body: w.provider.errorBody(500) });
    expect((await w.app.runSync(w.syncId)).status).toBe('failed');
    for (const email of emails) expect(byEmail(w.provider.list(), email)).toHaveLength(1); // Graph ran the batch; we never saw the answer
    for (let i = 0; i < 3; i++) expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    for (const email of emails) {
      expect(byEmail(w.crm.list(), email)).toHaveLength(1);
      const [remote] = byEmail(w.provider.list(), email);
      expect(byEmail(w.provider.list(), email)).toHaveLength(1);
      // The pending link adopted its twin by our ref (recoverPendingCreates → findByRefs).
      expect(await linkOf(w, byEmail(w.crm.list(), email)[0]!.id)).toMatchObject({ state: 'linked', remoteId: remote!.id, pendingSince: null });
    }
  });

  it('B10: a provider delete made while the delta link is invalid (410) reaches the CRM', async () => {
    const email = 'graph.deleted.while.expired@soak.test';
    w.crm.create(email, fields('GraphExpired'));
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    w.provider.delete(byEmail(w.provider.list(), email)[0]!.id);
    w.expireProviderCursor();
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email)).toHaveLength(0);
  });

  it('B10: a lost answer on the re-create of an edit that beat a provider delete neither duplicates nor wedges (Graph)', async () => {
    const email = 'graph.recreate.lost@soak.test';
    const crmId = w.crm.create(email, fields('Recreate'));
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    w.provider.delete(byEmail(w.provider.list(), email)[0]!.id);
    w.crm.update(crmId, { last: 'EditWins' });
    w.provider.faults.add({ method: 'POST', path: 'contactFolders/[^/]+/contacts$', phase: 'after', status: 504, times: 1, body: w.provider.errorBody(500) });
    expect((await w.app.runSync(w.syncId)).status).toBe('failed');
    for (let i = 0; i < 3; i++) expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email).map((r) => r.fields.last)).toEqual(['EditWins']);
    expect(byEmail(w.provider.list(), email).map((r) => r.fields.last)).toEqual(['EditWins']);
  });

  it('C12 is Google\'s rule: a person without a last name or phone is exported to Outlook, with no Google skip reason', async () => {
    const p = w.app.sandbox.pipedrive.createPerson(7401001, { first_name: 'Mononym', emails: [{ value: 'mononym@soak.test', primary: true, label: 'work' }], owner_id: 13001 } as never) as unknown as { id: number };
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.provider.list(), 'mononym@soak.test')).toHaveLength(1);
    const db = await getDb();
    const skipped = await db.select().from(activity).where(and(eq(activity.connectionId, w.syncId), eq(activity.action, 'skipped')));
    expect(skipped.filter((a) => a.reasonCode?.startsWith('contacts.missing_'))).toEqual([]);
    expect((await linkOf(w, String(p.id)))!.state).toBe('linked');
  });
});

describe('B10 on Google → Pipedrive one-way', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({ crm: 'pipedrive', provider: 'google', direction: 'provider_to_crm' });
    expect((await w.app.runSync(w.syncId, 'start')).status).toBe('succeeded');
  });
  afterAll(async () => w?.close());

  it('B10: a lost answer on a CRM update leaves no stale base — an edit back to the old value still reaches the CRM', async () => {
    const email = 'stale.base@soak.test';
    const remoteId = w.provider.create(email, fields('Old'));
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    w.provider.update(remoteId, { last: 'New' });
    w.crm.faults.add({ method: 'PATCH', path: 'api/v2/persons/\\d+', phase: 'after', status: 500, times: 1, body: w.crm.errorBody(500) });
    expect((await w.app.runSync(w.syncId)).status).toBe('failed');
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email).map((r) => r.fields.last)).toEqual(['New']);
    w.provider.update(remoteId, { last: 'Old' });
    expect((await w.app.runSync(w.syncId)).status).toBe('succeeded');
    expect(byEmail(w.crm.list(), email).map((r) => r.fields.last)).toEqual(['Old']);
  });
});
