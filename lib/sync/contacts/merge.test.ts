import { describe, expect, it } from 'vitest';
import { normalizeContact, type Contact } from './model';
import { planContactMerge, type ConflictPolicy, type MergeDirection, type MergePlan, type SideState } from './merge';

const BASE: Contact = normalizeContact({
  firstName: 'Ada',
  lastName: 'Lovelace',
  emails: [{ value: 'ada@example.com', type: 'work' }],
  phones: [{ value: '+44 20 7946 0000', type: 'work' }],
  address: { street: '12 St James Square', city: 'London', country: 'UK' },
  organization: 'Analytical Engines Ltd',
  organizationPhone: '+44 20 7946 0001',
  jobTitle: 'Mathematician',
  notes: 'Met at the Royal Society.',
  birthday: '1815-12-10',
  ims: [{ value: 'ada', type: 'skype' }],
});

const EARLY = '2024-05-01T10:00:00.000Z';
const LATE = '2024-05-02T10:00:00.000Z';

type State = 'unchanged' | 'changed' | 'deleted' | 'absent';
const STATES: State[] = ['unchanged', 'changed', 'deleted', 'absent'];
const POLICIES: ConflictPolicy[] = ['newest', 'crm', 'provider'];

const CRM_TITLE = 'Chief Analyst';
const PROVIDER_TITLE = 'Head of Engines';

function side(state: State, title: string, updatedAt: string | null = EARLY): SideState {
  if (state === 'absent') return undefined;
  if (state === 'deleted') return { contact: null, updatedAt };
  return { contact: state === 'changed' ? { ...BASE, jobTitle: title } : { ...BASE }, updatedAt };
}

const withTitle = (title: string): Contact => ({ ...BASE, jobTitle: title });

/** Expected plans for a change on one field (jobTitle) that do not depend on the conflict policy. */
type Expected =
  | MergePlan
  | { action: 'update'; jobTitle: string; writeCrm: boolean; writeProvider: boolean; conflictWinner: 'crm' | 'provider' | null };

const crmWins = (two: boolean): Expected => ({ action: 'update', jobTitle: CRM_TITLE, writeCrm: false, writeProvider: two, conflictWinner: 'crm' });
const providerWins: Expected = { action: 'update', jobTitle: PROVIDER_TITLE, writeCrm: true, writeProvider: false, conflictWinner: 'provider' };

// [rule, crm state, provider state, expected]; 'changed' on both sides is the policy-dependent conflict, tested below.
const TWO_WAY: [string, State, State, Expected][] = [
  ['B5: nothing changed → nothing to do', 'unchanged', 'unchanged', { action: 'none' }],
  ['B5: provider-only change → taken into the CRM', 'unchanged', 'changed', { action: 'update', jobTitle: PROVIDER_TITLE, writeCrm: true, writeProvider: false, conflictWinner: null }],
  ['C4: provider delete of an unchanged contact → delete in the CRM', 'unchanged', 'deleted', { action: 'delete_crm' }],
  ['B3: provider side missing without a delete signal → nothing deleted', 'unchanged', 'absent', { action: 'none' }],
  ['B5: CRM-only change → exported to the provider', 'changed', 'unchanged', { action: 'update', jobTitle: CRM_TITLE, writeCrm: false, writeProvider: true, conflictWinner: null }],
  ['B5: provider deleted but CRM edited → the edit wins (re-create in the provider)', 'changed', 'deleted', { action: 'create_provider', contact: withTitle(CRM_TITLE) }],
  ['B3: CRM edited, provider missing without a signal → nothing', 'changed', 'absent', { action: 'none' }],
  ['C4: CRM delete of an unchanged contact → delete in the provider', 'deleted', 'unchanged', { action: 'delete_provider' }],
  ['B5: CRM deleted but provider edited → the edit wins (re-create in the CRM)', 'deleted', 'changed', { action: 'create_crm', contact: withTitle(PROVIDER_TITLE) }],
  ['C4: deleted on both sides → unlink', 'deleted', 'deleted', { action: 'unlink' }],
  ['C4: deleted in the CRM and gone from the provider → unlink', 'deleted', 'absent', { action: 'unlink' }],
  ['B3: CRM side missing without a delete signal → nothing', 'absent', 'unchanged', { action: 'none' }],
  ['B3: CRM side missing, provider edited → nothing (no resurrection without a signal)', 'absent', 'changed', { action: 'none' }],
  ['C4: deleted in the provider and gone from the CRM → unlink', 'absent', 'deleted', { action: 'unlink' }],
  ['B3: both missing without a signal → nothing', 'absent', 'absent', { action: 'none' }],
];

const ONE_WAY: [string, State, State, Expected][] = [
  ['C4 one-way: nothing changed → nothing to do', 'unchanged', 'unchanged', { action: 'none' }],
  ['C4 one-way: provider change → mirrored in the CRM', 'unchanged', 'changed', { action: 'update', jobTitle: PROVIDER_TITLE, writeCrm: true, writeProvider: false, conflictWinner: null }],
  ['C4 one-way: provider delete → delete in the CRM', 'unchanged', 'deleted', { action: 'delete_crm' }],
  ['C4 one-way: provider side missing without a signal → nothing', 'unchanged', 'absent', { action: 'none' }],
  ['C4 one-way: CRM edits are never exported', 'changed', 'unchanged', { action: 'none' }],
  ['C4 one-way: provider change of the same field overwrites the CRM edit (whatever the policy)', 'changed', 'changed', providerWins],
  ['C4 one-way: provider delete is mirrored even over a CRM edit', 'changed', 'deleted', { action: 'delete_crm' }],
  ['C4 one-way: CRM edit, provider missing → nothing', 'changed', 'absent', { action: 'none' }],
  ['C4 one-way: CRM delete is left alone', 'deleted', 'unchanged', { action: 'none' }],
  ['C4 one-way: CRM delete is left alone even when the provider edited', 'deleted', 'changed', { action: 'none' }],
  ['C4 one-way: deleted on both sides → unlink', 'deleted', 'deleted', { action: 'unlink' }],
  ['C4 one-way: CRM deleted, provider missing → unlink', 'deleted', 'absent', { action: 'unlink' }],
  ['C4 one-way: CRM missing → nothing', 'absent', 'unchanged', { action: 'none' }],
  ['C4 one-way: CRM missing, provider edited → nothing', 'absent', 'changed', { action: 'none' }],
  ['C4 one-way: provider deleted, CRM missing → unlink', 'absent', 'deleted', { action: 'unlink' }],
  ['C4 one-way: both missing → nothing', 'absent', 'absent', { action: 'none' }],
];

function check(plan: MergePlan, expected: Expected) {
  if (expected.action === 'update' && 'jobTitle' in expected) {
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.merged).toEqual(withTitle(expected.jobTitle));
    expect({ writeCrm: plan.writeCrm, writeProvider: plan.writeProvider }).toEqual({ writeCrm: expected.writeCrm, writeProvider: expected.writeProvider });
    if (expected.conflictWinner) {
      expect(plan.conflicts).toEqual([{ field: 'jobTitle', crmValue: CRM_TITLE, providerValue: PROVIDER_TITLE, winner: expected.conflictWinner }]);
    } else expect(plan.conflicts).toEqual([]);
    return;
  }
  expect(plan).toEqual(expected);
}

describe('planContactMerge — every side combination', () => {
  it('covers all 16 combinations in each direction', () => {
    const keys = (rows: [string, State, State, Expected][]) => new Set(rows.map(([, c, p]) => `${c}/${p}`));
    expect(keys(TWO_WAY).size + 1).toBe(STATES.length ** 2); // + the two-way conflict, tested per policy
    expect(keys(ONE_WAY).size).toBe(STATES.length ** 2);
  });

  describe.each(POLICIES)('two-way, policy %s', (policy) => {
    it.each(TWO_WAY)('%s', (_rule, crmState, providerState, expected) => {
      const plan = planContactMerge({ base: BASE, crm: side(crmState, CRM_TITLE), provider: side(providerState, PROVIDER_TITLE), policy, direction: 'two_way' });
      check(plan, expected);
    });
  });

  describe.each(POLICIES)('provider → CRM, policy %s', (policy) => {
    it.each(ONE_WAY)('%s', (_rule, crmState, providerState, expected) => {
      const plan = planContactMerge({ base: BASE, crm: side(crmState, CRM_TITLE), provider: side(providerState, PROVIDER_TITLE), policy, direction: 'provider_to_crm' });
      check(plan, expected);
    });
  });
});

describe('planContactMerge — both changed the same field (two-way conflicts)', () => {
  const rows: [string, ConflictPolicy, string | null, string | null, Expected][] = [
    ['B5: both changed the same field → CRM wins under "crm"', 'crm', EARLY, LATE, crmWins(true)],
    ['B5: both changed the same field → provider wins under "provider"', 'provider', LATE, EARLY, providerWins],
    ['B5: both changed the same field → newest wins (CRM newer)', 'newest', LATE, EARLY, crmWins(true)],
    ['B5: both changed the same field → newest wins (provider newer)', 'newest', EARLY, LATE, providerWins],
    ['B5: both changed the same field → newest tie goes to the CRM', 'newest', EARLY, EARLY, crmWins(true)],
    ['B5: newest with no provider time → CRM', 'newest', EARLY, null, crmWins(true)],
    ['B5: newest with no CRM time → provider', 'newest', null, EARLY, providerWins],
    ['B5: newest with no times at all → CRM', 'newest', null, null, crmWins(true)],
  ];
  it.each(rows)('%s', (_rule, policy, crmAt, providerAt, expected) => {
    const plan = planContactMerge({
      base: BASE,
      crm: { contact: withTitle(CRM_TITLE), updatedAt: crmAt },
      provider: { contact: withTitle(PROVIDER_TITLE), updatedAt: providerAt },
      policy,
      direction: 'two_way',
    });
    check(plan, expected);
  });

  it.each(POLICIES.flatMap((policy) => (['two_way', 'provider_to_crm'] as MergeDirection[]).map((direction) => [policy, direction] as const)))(
    'B5: both changed the same field to the same value → no conflict, nothing to write (%s, %s)',
    (policy, direction) => {
      const plan = planContactMerge({
        base: BASE,
        crm: { contact: withTitle('Same'), updatedAt: EARLY },
        provider: { contact: withTitle('Same'), updatedAt: LATE },
        policy,
        direction,
      });
      expect(plan).toEqual({ action: 'none' });
    },
  );
});

describe('planContactMerge — multi-field merges', () => {
  const crmEdit: Contact = {
    ...BASE,
    notes: 'Prefers e-mail.',
    phones: [...BASE.phones, { value: '+44 7700 900123', type: 'mobile' }],
  };
  const providerEdit: Contact = {
    ...BASE,
    jobTitle: PROVIDER_TITLE,
    emails: [...BASE.emails, { value: 'ada@home.example', type: 'home' }],
  };

  it.each(POLICIES)('B5: different fields changed on each side → both edits kept, no conflict (two-way, %s)', (policy) => {
    const plan = planContactMerge({ base: BASE, crm: { contact: crmEdit, updatedAt: LATE }, provider: { contact: providerEdit, updatedAt: EARLY }, policy, direction: 'two_way' });
    expect(plan).toEqual({
      action: 'update',
      merged: { ...BASE, notes: crmEdit.notes, phones: crmEdit.phones, jobTitle: PROVIDER_TITLE, emails: providerEdit.emails },
      writeCrm: true,
      writeProvider: true,
      conflicts: [],
    });
  });

  it.each(POLICIES)('C4 one-way: provider fields land in the CRM, CRM-only edits stay and are not exported (%s)', (policy) => {
    const plan = planContactMerge({ base: BASE, crm: { contact: crmEdit, updatedAt: LATE }, provider: { contact: providerEdit, updatedAt: EARLY }, policy, direction: 'provider_to_crm' });
    expect(plan).toEqual({
      action: 'update',
      merged: { ...BASE, notes: crmEdit.notes, phones: crmEdit.phones, jobTitle: PROVIDER_TITLE, emails: providerEdit.emails },
      writeCrm: true,
      writeProvider: false,
      conflicts: [],
    });
  });

  it.each(POLICIES)('B5: a mix of conflicting and clean fields → only the conflicting one is reported (%s)', (policy) => {
    const plan = planContactMerge({
      base: BASE,
      crm: { contact: { ...crmEdit, jobTitle: CRM_TITLE }, updatedAt: EARLY },
      provider: { contact: providerEdit, updatedAt: LATE },
      policy,
      direction: 'two_way',
    });
    const winner = policy === 'crm' ? 'crm' : 'provider';
    expect(plan).toMatchObject({
      action: 'update',
      merged: { notes: crmEdit.notes, phones: crmEdit.phones, emails: providerEdit.emails, jobTitle: winner === 'crm' ? CRM_TITLE : PROVIDER_TITLE },
      writeCrm: true,
      writeProvider: true,
      conflicts: [{ field: 'jobTitle', crmValue: CRM_TITLE, providerValue: PROVIDER_TITLE, winner }],
    });
  });

  it('B5: values are compared after normalization (case / whitespace only edits are no change)', () => {
    const cosmetic: Contact = { ...BASE, emails: [{ value: '  ADA@Example.com ', type: 'work' }], firstName: ' Ada  ' };
    const plan = planContactMerge({ base: BASE, crm: { contact: cosmetic, updatedAt: LATE }, provider: { contact: BASE, updatedAt: EARLY }, policy: 'crm', direction: 'two_way' });
    expect(plan).toEqual({ action: 'none' });
  });

  it('B5: a cosmetic-only edit does not block a delete from the other side', () => {
    const cosmetic: Contact = { ...BASE, lastName: 'Lovelace ' };
    expect(planContactMerge({ base: BASE, crm: { contact: cosmetic, updatedAt: LATE }, provider: { contact: null, updatedAt: LATE }, policy: 'crm', direction: 'two_way' })).toEqual({
      action: 'delete_crm',
    });
  });
});

describe('planContactMerge — first link (no snapshot)', () => {
  const crmOnly: Contact = normalizeContact({ ...BASE, jobTitle: null, phones: [], notes: 'CRM note' });
  const providerOnly: Contact = normalizeContact({ ...BASE, organization: null, notes: 'Provider note' });

  const presence: [string, MergeDirection, SideState, SideState, MergePlan][] = [
    ['C4: new CRM person → created in the provider (two-way)', 'two_way', { contact: crmOnly, updatedAt: EARLY }, undefined, { action: 'create_provider', contact: crmOnly }],
    ['C4 one-way: new CRM person → not exported', 'provider_to_crm', { contact: crmOnly, updatedAt: EARLY }, undefined, { action: 'none' }],
    ['C4: new provider contact → created in the CRM (two-way)', 'two_way', undefined, { contact: providerOnly, updatedAt: EARLY }, { action: 'create_crm', contact: providerOnly }],
    ['C4 one-way: new provider contact → created in the CRM', 'provider_to_crm', undefined, { contact: providerOnly, updatedAt: EARLY }, { action: 'create_crm', contact: providerOnly }],
    ['B3: a delete signal without a snapshot is treated as absent (two-way)', 'two_way', { contact: crmOnly, updatedAt: EARLY }, { contact: null, updatedAt: EARLY }, { action: 'create_provider', contact: crmOnly }],
    ['B3: a delete signal without a snapshot is treated as absent (one-way)', 'provider_to_crm', { contact: null, updatedAt: EARLY }, { contact: providerOnly, updatedAt: EARLY }, { action: 'create_crm', contact: providerOnly }],
    ['B3: nothing on either side → nothing', 'two_way', undefined, undefined, { action: 'none' }],
    ['B3: deletes on both sides without a snapshot → nothing', 'two_way', { contact: null, updatedAt: EARLY }, { contact: null, updatedAt: EARLY }, { action: 'none' }],
  ];
  it.each(presence)('%s', (_rule, direction, crm, provider, expected) => {
    expect(planContactMerge({ base: null, crm, provider, policy: 'newest', direction })).toEqual(expected);
  });

  const linking: [string, ConflictPolicy, MergeDirection, string, 'crm' | 'provider', boolean][] = [
    ['B5 first link: gaps filled from the provider, notes conflict → CRM ("crm")', 'crm', 'two_way', 'CRM note', 'crm', true],
    ['B5 first link: gaps filled from the provider, notes conflict → provider ("provider")', 'provider', 'two_way', 'Provider note', 'provider', true],
    ['B5 first link: notes conflict → newest (provider newer)', 'newest', 'two_way', 'Provider note', 'provider', true],
    ['B5 first link one-way: notes conflict → CRM under "crm", nothing exported', 'crm', 'provider_to_crm', 'CRM note', 'crm', false],
    ['B5 first link one-way: notes conflict → provider under "provider"', 'provider', 'provider_to_crm', 'Provider note', 'provider', false],
  ];
  it.each(linking)('%s', (_rule, policy, direction, notes, winner, writeProvider) => {
    const plan = planContactMerge({ base: null, crm: { contact: crmOnly, updatedAt: EARLY }, provider: { contact: providerOnly, updatedAt: LATE }, policy, direction });
    expect(plan).toEqual({
      action: 'update',
      // jobTitle and phones only in the provider, organization only in the CRM: each gap filled from the other side.
      merged: { ...BASE, notes },
      writeCrm: true,
      writeProvider,
      conflicts: [{ field: 'notes', crmValue: 'CRM note', providerValue: 'Provider note', winner }],
    });
  });
});

describe('planContactMerge — lossy providers (projectForProvider)', () => {
  // A provider like Graph: no organization phone, no e-mail types.
  const project = (c: Contact): Contact => ({ ...c, organizationPhone: null, emails: c.emails.map((e) => ({ ...e, type: 'other' })) });
  const providerView = project(BASE);

  it.each(POLICIES)('B5: fields the provider cannot hold are not mistaken for provider edits (%s)', (policy) => {
    for (const direction of ['two_way', 'provider_to_crm'] as MergeDirection[]) {
      const plan = planContactMerge({ base: BASE, crm: { contact: BASE, updatedAt: EARLY }, provider: { contact: providerView, updatedAt: LATE }, policy, direction, projectForProvider: project });
      expect(plan).toEqual({ action: 'none' });
    }
  });

  it('B5: without the projection the same read looks like a provider edit (why the hook exists)', () => {
    const plan = planContactMerge({ base: BASE, crm: { contact: BASE, updatedAt: EARLY }, provider: { contact: providerView, updatedAt: LATE }, policy: 'crm', direction: 'two_way' });
    expect(plan).toMatchObject({ action: 'update', writeCrm: true, merged: { organizationPhone: null } });
  });

  it('B5: a real provider edit still lands, and the CRM-only fields survive', () => {
    const plan = planContactMerge({
      base: BASE,
      crm: { contact: BASE, updatedAt: EARLY },
      provider: { contact: { ...providerView, jobTitle: PROVIDER_TITLE }, updatedAt: LATE },
      policy: 'crm',
      direction: 'two_way',
      projectForProvider: project,
    });
    expect(plan).toEqual({ action: 'update', merged: withTitle(PROVIDER_TITLE), writeCrm: true, writeProvider: false, conflicts: [] });
  });

  it('B5: a CRM edit of a field the provider cannot hold → nothing to write anywhere', () => {
    const plan = planContactMerge({
      base: BASE,
      crm: { contact: { ...BASE, organizationPhone: '+32 9 000 00 00' }, updatedAt: LATE },
      provider: { contact: providerView, updatedAt: EARLY },
      policy: 'provider',
      direction: 'two_way',
      projectForProvider: project,
    });
    expect(plan).toEqual({ action: 'none' });
  });

  it('C4: CRM delete of a contact unchanged in the provider (lossy read) → delete in the provider', () => {
    expect(planContactMerge({ base: BASE, crm: { contact: null, updatedAt: LATE }, provider: { contact: providerView, updatedAt: EARLY }, policy: 'newest', direction: 'two_way', projectForProvider: project })).toEqual({
      action: 'delete_provider',
    });
  });
});
