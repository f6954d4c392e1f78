/** Pure export rules: C12 required fields, the create/update/unchanged/skip decision, the B3 delete brake. */
import { describe, expect, it } from 'vitest';
import { DELETE_BRAKE_MIN_DELETES, SKIP_REASONS } from './constants';
import { decideExport, exportSkipReason, shouldPauseDeletes, type LinkState } from './export-rules';
import { hashContact, normalizeContact, type Contact } from './model';

const contact = (patch: Partial<Contact> = {}): Contact =>
  normalizeContact({
    firstName: 'Ada',
    lastName: 'Lovelace',
    emails: [],
    phones: [],
    address: null,
    organization: null,
    organizationPhone: null,
    jobTitle: null,
    notes: null,
    birthday: null,
    ims: [],
    ...patch,
  });

const email = [{ value: 'ada@example.com', type: 'work' }];
const phone = [{ value: '+32 9 123 45 67', type: 'work' }];
const mobile = [{ value: '+32 470 12 34 56', type: 'mobile' }];

describe('C12 Google required fields (exportSkipReason)', () => {
  it.each([
    ['first + last + e-mail', { emails: email }, null],
    ['first + last + phone', { phones: phone }, null],
    ['first + last + mobile', { phones: mobile }, null],
    ['first + last + e-mail + phone + mobile', { emails: email, phones: [...phone, ...mobile] }, null],
    ['no first name', { firstName: null, emails: email }, SKIP_REASONS.missingFirstName],
    ['blank first name', { firstName: '   ', emails: email }, SKIP_REASONS.missingFirstName],
    ['no last name', { lastName: null, emails: email }, SKIP_REASONS.missingLastName],
    ['blank last name', { lastName: ' ', phones: mobile }, SKIP_REASONS.missingLastName],
    ['no first and no last name (first reported)', { firstName: null, lastName: null, emails: email }, SKIP_REASONS.missingFirstName],
    ['names but no phone, mobile or e-mail', {}, SKIP_REASONS.missingContactPoint],
    ['C11 company phone does not count as the person’s phone', { organization: 'ACME', organizationPhone: '+32 9 000 00 00' }, SKIP_REASONS.missingContactPoint],
    ['an IM does not count either', { ims: [{ value: 'ada.l', type: 'skype' }] }, SKIP_REASONS.missingContactPoint],
    ['blank e-mail only (dropped by normalization)', { emails: [{ value: '  ', type: 'work' }] }, SKIP_REASONS.missingContactPoint],
  ] as const)('C12: %s', (_name, patch, expected) => {
    expect(exportSkipReason(contact(patch as Partial<Contact>))).toBe(expected);
  });
});

describe('C12 is Google\'s rule only', () => {
  it('C12: Microsoft exports have no required fields (no Google reason for an Outlook export)', () => {
    const c = contact({ lastName: null, emails: [] } as Partial<Contact>);
    expect(exportSkipReason(c, 'google')).toBe(SKIP_REASONS.missingLastName);
    expect(exportSkipReason(c, 'microsoft')).toBeNull();
    expect(decideExport(c, hashContact(c), undefined, 'microsoft')).toEqual({ kind: 'create' });
  });
});

describe('decideExport', () => {
  const ok = contact({ emails: email });
  const hash = hashContact(ok);
  const link = (patch: Partial<LinkState> = {}): LinkState => ({
    state: 'linked',
    remoteId: 'people/c1',
    snapshotHash: hash,
    crmUpdatedAt: '2025-01-01T00:00:00Z',
    skipCode: null,
    pending: false,
    ...patch,
  });

  it('C11: a new exportable person is created', () => {
    expect(decideExport(ok, hash, undefined)).toEqual({ kind: 'create' });
  });

  it('a link without a remote id (a create that never finished) is created again', () => {
    expect(decideExport(ok, hash, link({ remoteId: null, pending: true }))).toEqual({ kind: 'create' });
  });

  it('a pair whose remote contact was deleted is re-created', () => {
    expect(decideExport(ok, hash, link({ state: 'deleted' }))).toEqual({ kind: 'create' });
  });

  it('a linked pair with the same snapshot hash is unchanged', () => {
    expect(decideExport(ok, hash, link())).toEqual({ kind: 'unchanged' });
  });

  it('a linked pair whose hash differs is updated', () => {
    const changed = contact({ emails: email, jobTitle: 'Countess' });
    expect(decideExport(changed, hashContact(changed), link())).toEqual({ kind: 'update' });
  });

  it('a previously skipped person that became valid and already has a remote id is updated', () => {
    expect(decideExport(ok, hash, link({ state: 'skipped', skipCode: SKIP_REASONS.missingLastName }))).toEqual({ kind: 'update' });
  });

  it('C12/B4: an invalid person is skipped with the reason; the first skip is new', () => {
    const bad = contact({ lastName: null, emails: email });
    expect(decideExport(bad, hashContact(bad), undefined)).toEqual({ kind: 'skip', reason: SKIP_REASONS.missingLastName, isNew: true });
  });

  it('B4: skipping again for the same reason is not new (no repeated activity)', () => {
    const bad = contact({ lastName: null, emails: email });
    const l = link({ state: 'skipped', remoteId: null, snapshotHash: null, skipCode: SKIP_REASONS.missingLastName });
    expect(decideExport(bad, hashContact(bad), l)).toEqual({ kind: 'skip', reason: SKIP_REASONS.missingLastName, isNew: false });
  });

  it('B4: a skip for a different reason is new', () => {
    const bad = contact({ emails: [] });
    const l = link({ state: 'skipped', remoteId: null, snapshotHash: null, skipCode: SKIP_REASONS.missingLastName });
    expect(decideExport(bad, hashContact(bad), l)).toEqual({ kind: 'skip', reason: SKIP_REASONS.missingContactPoint, isNew: true });
  });

  it('B4: a linked person that became invalid is a new skip (the remote copy is not updated)', () => {
    const bad = contact({ firstName: null, emails: email });
    expect(decideExport(bad, hashContact(bad), link())).toEqual({ kind: 'skip', reason: SKIP_REASONS.missingFirstName, isNew: true });
  });
});

describe('B3 mass-delete brake (shouldPauseDeletes)', () => {
  // The ratio/max rules on their own (floor off), then the floor.
  const brake = { max: 50, ratio: 0.2, minDeletes: 0 };

  it('B3: nothing to delete never pauses, even with nothing linked', () => {
    expect(shouldPauseDeletes(0, 0, brake)).toBe(false);
    expect(shouldPauseDeletes(0, 1000, brake)).toBe(false);
  });

  it('B3: exactly 20% of linked does not pause; more than 20% does', () => {
    expect(shouldPauseDeletes(20, 100, brake)).toBe(false);
    expect(shouldPauseDeletes(21, 100, brake)).toBe(true);
    expect(shouldPauseDeletes(2, 10, brake)).toBe(false);
    expect(shouldPauseDeletes(3, 10, brake)).toBe(true);
  });

  it('B3: fractional thresholds — any count above the exact ratio pauses', () => {
    expect(shouldPauseDeletes(1, 7, brake)).toBe(false);
    expect(shouldPauseDeletes(2, 7, brake)).toBe(true);
    expect(shouldPauseDeletes(1, 3, brake)).toBe(true);
  });

  it('B3: more than max pauses even when under the ratio; exactly max does not', () => {
    expect(shouldPauseDeletes(50, 1000, brake)).toBe(false);
    expect(shouldPauseDeletes(51, 1000, brake)).toBe(true);
  });

  it('B3: deletes with nothing linked pause (cannot be a small share)', () => {
    expect(shouldPauseDeletes(1, 0, brake)).toBe(true);
  });

  it('B3: exactly the ratio never pauses for any linked count (no floating-point off-by-one)', () => {
    for (let linked = 5; linked <= 5000; linked += 5) {
      expect(shouldPauseDeletes(linked / 5, linked, { max: Number.MAX_SAFE_INTEGER, ratio: 0.2, minDeletes: 0 }), `linked=${linked}`).toBe(false);
    }
  });

  it('B3: other configured ratios are honoured', () => {
    expect(shouldPauseDeletes(10, 100, { max: 1000, ratio: 0.1, minDeletes: 0 })).toBe(false);
    expect(shouldPauseDeletes(11, 100, { max: 1000, ratio: 0.1, minDeletes: 0 })).toBe(true);
    expect(shouldPauseDeletes(1, 100, { max: 1000, ratio: 0, minDeletes: 0 })).toBe(true);
    expect(shouldPauseDeletes(100, 100, { max: 1000, ratio: 1, minDeletes: 0 })).toBe(false);
  });

  it('B3: small sets never pause below the floor (1 of 4 contacts does not stop the sync)', () => {
    const defaults = { max: 50, ratio: 0.2 };
    expect(shouldPauseDeletes(1, 4, defaults)).toBe(false);
    expect(shouldPauseDeletes(DELETE_BRAKE_MIN_DELETES - 1, DELETE_BRAKE_MIN_DELETES, defaults)).toBe(false);
    expect(shouldPauseDeletes(1, 0, defaults)).toBe(false);
    // At the floor the ratio rule applies again.
    expect(shouldPauseDeletes(DELETE_BRAKE_MIN_DELETES, DELETE_BRAKE_MIN_DELETES * 2, defaults)).toBe(true);
    expect(shouldPauseDeletes(DELETE_BRAKE_MIN_DELETES, DELETE_BRAKE_MIN_DELETES * 10, defaults)).toBe(false);
  });
});
