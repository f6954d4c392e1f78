/** C16 / R1 on the in-process runner: the hourly schedule runs due connections by itself; the watchdog. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { contactSyncs, syncConnections, syncRuns } from '@/db/schema';
import { startSync } from '@/lib/contacts/service';
import { resetStuckRuns } from '@/lib/sync/runtime/connections';
import { hourlyRunRequests } from '@/lib/sync/schedule';
import { contactsPillar } from '@/lib/sync/contacts/pillar';
import { createLocalRunner } from '@/inngest/local-runner';
import { HOURLY_INTERVAL_MS } from '@/lib/sync/runtime/connections';

let app: TestApp;
let syncId: string;
beforeAll(async () => {
  app = await createTestApp();
  const tenant = await app.installPipedrive(NORTHWIND.admin);
  const accountId = await app.linkGoogle(tenant, 'olivia.northwind@gmail.com');
  ({ syncId } = await startSync(tenant, { accountId, direction: 'crm_to_provider' }));
});
afterAll(async () => app?.close());

describe('C16 hourly runs', () => {
  it('C16: a finished run schedules the next one an hour later; it is due only then', async () => {
    await app.runSync(syncId, 'start');
    const db = await getDb();
    const [sync] = await db.select().from(syncConnections).where(eq(syncConnections.id, syncId));
    expect(Math.abs(sync!.nextRunAt!.getTime() - sync!.lastSuccessAt!.getTime() - HOURLY_INTERVAL_MS)).toBeLessThan(1000);
    expect((await hourlyRunRequests(new Date())).map((s) => s.connectionId)).not.toContain(syncId);
    const due = await hourlyRunRequests(new Date(Date.now() + HOURLY_INTERVAL_MS + 1000));
    expect(due.find((r) => r.connectionId === syncId)).toMatchObject({ kind: 'contacts', trigger: 'hourly', provider: 'google', throttleKey: 'google' });
  });

  it('C16: the in-process scheduler runs a due connection with nobody pressing anything', async () => {
    const db = await getDb();
    await db.update(syncConnections).set({ nextRunAt: new Date(Date.now() - 1000) }).where(eq(syncConnections.id, syncId));
    const person = app.sandbox.pipedrive.createPerson(NORTHWIND.companyId, { first_name: 'Hourly', last_name: 'Run', emails: [{ value: 'hourly@example.com', primary: true, label: 'work' }], owner_id: NORTHWIND.admin });
    const runner = createLocalRunner({ hourly: true, tickMs: 200, backoffMs: 10 });
    try {
      await expect
        .poll(async () => (await db.select().from(syncRuns).where(eq(syncRuns.connectionId, syncId))).some((r) => r.trigger === 'hourly' && r.status === 'succeeded'), { timeout: 15_000 })
        .toBe(true);
    } finally {
      runner.stop();
      await runner.idle();
    }
    const exported = (app.sandbox.google.contacts('olivia.northwind@gmail.com') as unknown as { clientData?: { value: string }[] }[]).some((c) =>
      c.clientData?.some((d) => d.value.endsWith(`:${person.id}`)),
    );
    expect(exported).toBe(true);
  });

  it('R1: the watchdog resets a connection stuck in "running" (and leaves one running here alone)', async () => {
    const db = await getDb();
    const longAgo = new Date(Date.now() - 60 * 60_000);
    await db.update(syncConnections).set({ stage: 'running', stageStartedAt: longAgo }).where(eq(syncConnections.id, syncId));
    expect(await resetStuckRuns([syncId])).toBe(0);
    expect(await resetStuckRuns([])).toBe(1);
    const [sync] = await db.select().from(syncConnections).where(eq(syncConnections.id, syncId));
    expect(sync!.stage).toBe('idle');
    expect(sync!.lastErrorMessage).toMatch(/stopped responding/);
  });
});

describe('C16 incremental hourly runs (updated_since watermark)', () => {
  it('C16: an hourly run lists only what changed since the last pass, exports it, and infers no deletes', async () => {
    const db = await getDb();
    // 1,200 more persons, last changed 10 minutes ago: a full listing takes 3+ pages of 500.
    app.sandbox.advanceClock(-10 * 60_000);
    app.sandbox.pipedrive.generatePersons(NORTHWIND.companyId, NORTHWIND.admin, 1200);
    app.sandbox.advanceClock(10 * 60_000);
    app.sandbox.pipedrive.resetRequestCounts();
    await app.runSync(syncId, 'refresh'); // a full sweep sets the watermark
    expect(app.sandbox.pipedrive.requestCounts()['GET /api/v2/persons']).toBeGreaterThanOrEqual(3);
    const [after] = await db.select().from(contactSyncs).where(eq(contactSyncs.id, syncId));
    expect(after!.crmCursor).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(after!.lastFullSweepAt).toBeTruthy();
    const owned = () => app.sandbox.pipedrive.persons(NORTHWIND.companyId).filter((p) => !p.is_deleted && p.owner_id === NORTHWIND.admin && p.first_name && p.last_name && (p.emails.length || p.phones.length));
    const [edited, removed] = owned().filter((p) => p.id > 50); // generated persons, outside the overlap window
    app.sandbox.pipedrive.updatePerson(NORTHWIND.companyId, edited!.id, { last_name: 'Incremental' });
    app.sandbox.pipedrive.deletePerson(NORTHWIND.companyId, removed!.id);
    app.sandbox.pipedrive.resetRequestCounts();
    expect((await app.runSync(syncId, 'hourly')).status).toBe('succeeded');
    const calls = app.sandbox.pipedrive.requestCounts();
    expect(calls['GET /api/v2/persons']).toBe(1); // one page of changes, not the whole CRM
    const google = app.sandbox.google.contacts('olivia.northwind@gmail.com') as unknown as { names?: { familyName?: string }[]; clientData?: { value: string }[] }[];
    const find = (id: number) => google.find((c) => c.clientData?.some((d) => d.value.endsWith(`:${id}`)));
    expect(find(edited!.id)?.names?.[0]?.familyName).toBe('Incremental');
    expect(find(removed!.id)).toBeTruthy(); // not a complete listing: the delete waits for a full sweep
    // Refresh is a full sweep: now the delete reaches Google.
    expect((await app.runSync(syncId, 'refresh')).status).toBe('succeeded');
    const after2 = app.sandbox.google.contacts('olivia.northwind@gmail.com') as unknown as { clientData?: { value: string }[] }[];
    expect(after2.some((c) => c.clientData?.some((d) => d.value.endsWith(`:${removed!.id}`)))).toBe(false);
  });

  it('C16: hourly runs fall back to a full sweep once the last one is older than the interval', async () => {
    const { FULL_SWEEP_INTERVAL_MS } = await import('@/lib/sync/contacts/constants');
    const db = await getDb();
    await db.update(contactSyncs).set({ lastFullSweepAt: new Date(Date.now() - FULL_SWEEP_INTERVAL_MS - 1000) }).where(eq(contactSyncs.id, syncId));
    expect((await app.runSync(syncId, 'hourly')).status).toBe('succeeded');
    const [s] = await db.select().from(contactSyncs).where(eq(contactSyncs.id, syncId));
    expect(Date.now() - s!.lastFullSweepAt!.getTime()).toBeLessThan(60_000);
  });
});

describe('R1 retries on the in-process runner', () => {
  it('R1: a failed attempt is retried in the same run (one history row, attempt 2, succeeded)', async () => {
    const db = await getDb();
    const before = (await db.select().from(syncRuns).where(eq(syncRuns.connectionId, syncId))).length;
    app.sandbox.pipedrive.createPerson(NORTHWIND.companyId, { first_name: 'Retry', last_name: 'Once', emails: [{ value: 'retry.once@example.com', primary: true, label: 'work' }], owner_id: NORTHWIND.admin });
    app.sandbox.google.faults.add({ method: 'POST', path: 'people:batchCreateContacts', status: 503, times: 1, body: { error: { code: 503, message: 'Backend Error', status: 'UNAVAILABLE' } } });
    const runner = createLocalRunner({ hourly: false, backoffMs: 10 });
    const connection = (await db.select().from(syncConnections).where(eq(syncConnections.id, syncId)))[0]!;
    const [request] = await contactsPillar.requestsFor([connection], 'refresh');
    runner.enqueue(request!);
    await runner.idle();
    const runs = await db.select().from(syncRuns).where(eq(syncRuns.connectionId, syncId));
    expect(runs.length).toBe(before + 1);
    const last = runs.sort((a, b) => b.queuedAt.getTime() - a.queuedAt.getTime())[0]!;
    expect(last).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
  });
});
