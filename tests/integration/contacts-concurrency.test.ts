/**
 * Performance (quota-bound CRM writes): a first Google → Pipedrive import keeps several creates in flight
 * (it no longer waits one round trip per person), never sends more than the burst limit allows, and
 * records that need the same new organization share one create of it.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { startSync } from '@/lib/contacts/service';

const OLIVIA = 'olivia.northwind@gmail.com';
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  app.sandbox.google.config({ readQuotaPerMinute: 1_000_000, writeQuotaPerMinute: 1_000_000 });
});
afterAll(async () => app?.close());

/**
 * Every Pipedrive person create the app sends: when it left and when its answer came back. JSON calls leave
 * through node:http (lib/http/text-request.ts), looked up on the module object at call time: wrapped here.
 */
type Call = { start: number; end: number; status: number };
let realRequest: typeof http.request | null = null;
function watchPersonCreates(): Call[] {
  const calls: Call[] = [];
  const inner = (realRequest ??= http.request);
  http.request = ((...a: Parameters<typeof http.request>) => {
    const req = inner(...a);
    const url = a[0] instanceof URL ? a[0] : new URL(String(a[0]));
    if (req.method === 'POST' && url.pathname.endsWith('/api/v2/persons')) {
      const start = performance.now();
      req.on('response', (res) => res.on('end', () => calls.push({ start, end: performance.now(), status: res.statusCode ?? 0 })));
    }
    return req;
  }) as typeof http.request;
  return calls;
}
afterEach(() => {
  if (realRequest) http.request = realRequest;
  app.sandbox.latency({ latencyMs: 0, jitterMs: 0 });
});

const maxInFlight = (calls: Call[]) => {
  const edges = calls.flatMap((c) => [[c.start, 1] as const, [c.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
};
/** Most creates sent within any window of `ms` (by send time: the vendor counts them on arrival, later). */
const maxInWindow = (calls: Call[], ms: number) => {
  const starts = calls.map((c) => c.start).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= ms) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
};

describe('Performance: bounded, paced concurrency for CRM writes', () => {
  it('Performance: a first import keeps several creates in flight and never exceeds the burst limit (40 per 2 s, 50 ms latency)', async () => {
    app.sandbox.pipedrive.config({ burstLimit: 40 });
    const group = app.sandbox.google.groups(OLIVIA).find((g) => g.name === 'Clients')!;
    app.sandbox.google.generateContacts(OLIVIA, 160, group.resourceName);
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const accountId = await app.linkGoogle(tenant, OLIVIA);
    const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId: group.resourceName, groupName: 'Clients' });
    app.sandbox.latency({ latencyMs: 50, jitterMs: 0 });
    const calls = watchPersonCreates();
    const t0 = performance.now();
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    const seconds = (performance.now() - t0) / 1000;

    expect(calls.length).toBeGreaterThanOrEqual(160);
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
    // One create after another (the old engine) never has two in flight.
    expect(maxInFlight(calls)).toBeGreaterThanOrEqual(4);
    expect(maxInWindow(calls, 2_000)).toBeLessThanOrEqual(40);
    // The limit was really in play: 160+ creates at 40 per 2 s need at least three more windows.
    expect(seconds).toBeGreaterThan(6);
    const persons = app.sandbox.pipedrive.persons(NORTHWIND.companyId).filter((p) => !p.is_deleted && p.emails.some((e) => e.value.endsWith('@contacts.example')));
    expect(persons.length).toBe(160);
    expect(new Set(persons.map((p) => p.emails[0]!.value)).size).toBe(160); // no duplicates
  }, 120_000);

  it('Performance: persons written concurrently that name the same new company share one organization create', async () => {
    app.sandbox.pipedrive.config({ burstLimit: 1_000_000 });
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const email = 'rahul.northwind@gmail.com';
    const group = app.sandbox.google.groups(email).find((g) => g.name !== 'myContacts' && g.name !== 'starred') ?? app.sandbox.google.groups(email)[0]!;
    app.sandbox.google.generateContacts(email, 70, group.resourceName);
    const accountId = await app.linkGoogle(tenant, email);
    const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId: group.resourceName, groupName: group.name });
    app.sandbox.latency({ latencyMs: 20, jitterMs: 10 });
    app.sandbox.pipedrive.resetRequestCounts();
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');

    const contacts = app.sandbox.google.contacts(email) as { emailAddresses?: { value: string }[]; organizations?: { name?: string }[] }[];
    const companyOf = new Map(contacts.map((c) => [c.emailAddresses?.[0]?.value, c.organizations?.[0]?.name]));
    const orgIdsByCompany = new Map<string, Set<number | null>>();
    for (const p of app.sandbox.pipedrive.persons(NORTHWIND.companyId).filter((x) => !x.is_deleted)) {
      const company = companyOf.get(p.emails[0]?.value);
      if (!company || !p.emails[0]?.value.endsWith('@contacts.example')) continue;
      if (!orgIdsByCompany.has(company)) orgIdsByCompany.set(company, new Set());
      orgIdsByCompany.get(company)!.add((p as { org_id?: number | null }).org_id ?? null);
    }
    // The generated contacts name 5 companies, ~10 persons each, all written in one concurrent page.
    expect(orgIdsByCompany.size).toBe(5);
    for (const [, ids] of orgIdsByCompany) {
      expect(ids.size).toBe(1);
      expect([...ids][0]).not.toBeNull();
    }
    expect(app.sandbox.pipedrive.requestCounts()['POST /api/v2/organizations'] ?? 0).toBeLessThanOrEqual(5);
  }, 120_000);
});
