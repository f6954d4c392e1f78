/** Contacts II setup choices offered by the CRM (C7). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, BRUGGE, type TestApp } from '../support/harness';
import { visibilityOptions } from '@/lib/contacts/service';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

describe('C7 visibility of persons created in the CRM', () => {
  it('C7: a 2-level plan offers owner & followers and entire company', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    app.sandbox.pipedrive.config(NORTHWIND.companyId, { plan: 'growth' });
    const { options } = await visibilityOptions(tenant);
    expect(options.map((o) => o.value)).toEqual([1, 3]);
    expect(options.map((o) => o.label)).toEqual(['Owner & followers', 'Entire company']);
  });

  it('C7: Professional and up offer owner, group, group and sub-groups, entire company', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    app.sandbox.pipedrive.config(NORTHWIND.companyId, { plan: 'premium' });
    const { options } = await visibilityOptions(tenant);
    expect(options.map((o) => o.value)).toEqual([1, 3, 5, 7]);
    expect(options[0]!.label).toBe('Owner only');
  });

  it('C7: Teamleader has no per-record visibility, so nothing is offered', async () => {
    const tenant = await app.installTeamleader(BRUGGE.admin);
    expect((await visibilityOptions(tenant)).options).toEqual([]);
  });
});

describe('Tenant scoping', () => {
  it('M3/security: one CRM user cannot read, refresh or answer prompts of another user’s sync, even in the same company', async () => {
    const { startSync, syncDashboard, resolvePendingDeletes, ownedSync, listGroups } = await import('@/lib/contacts/service');
    const owner = await app.installPipedrive(NORTHWIND.admin);
    const other = await app.installPipedrive(NORTHWIND.regular);
    const accountId = await app.linkGoogle(owner, 'olivia.northwind@gmail.com');
    const { syncId } = await startSync(owner, { accountId, direction: 'crm_to_provider' });
    await expect(syncDashboard(other, syncId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(ownedSync(other, syncId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(resolvePendingDeletes(other, syncId, true)).rejects.toMatchObject({ code: 'not_found' });
    await expect(listGroups(other, accountId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(startSync(other, { accountId, direction: 'crm_to_provider' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await syncDashboard(owner, syncId)).sync.id).toBe(syncId);
  });
});
