import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isOwnerBoundSyncId, ownerBoundSyncId, parseRef, planAdoption, type StampOwner } from './adopt-earlier';

const OLD = '11111111-1111-4111-8111-111111111111';
const NEW = '22222222-2222-4222-8222-222222222222';
const OTHER = '33333333-3333-4333-8333-333333333333';
const OLIVIA: StampOwner = { crm: 'pipedrive', companyId: '7401001', userId: '13001' };

describe('M5/B2 re-adopting an earlier sync’s contacts', () => {
  it('M5: parses our stamp into sync id and CRM id', () => {
    expect(parseRef(`${OLD}:42`)).toEqual({ syncId: OLD, crmId: '42' });
    expect(parseRef('garbage')).toBeNull();
    expect(parseRef(`${OLD}:`)).toBeNull();
  });

  it('M5: contacts stamped by an earlier sync of ours are adopted by CRM id; the new sync’s own are not; foreign ones are left alone and reported', () => {
    const stamped = new Map([
      [`${OLD}:1`, { remoteId: 'people/c1', etag: 'e1' }],
      [`${OLD}:2`, { remoteId: 'people/c2', etag: 'e2' }],
      [`${NEW}:3`, { remoteId: 'people/c3', etag: 'e3' }],
      [`${OTHER}:4`, { remoteId: 'people/c4', etag: 'e4' }],
      ['hand-made', { remoteId: 'people/c5', etag: 'e5' }],
    ]);
    const { adopt, leftAlone } = planAdoption(stamped, NEW, (id) => id === OLD);
    expect([...adopt.keys()].sort()).toEqual(['1', '2']);
    expect(adopt.get('1')).toEqual({ remoteId: 'people/c1', etag: 'e1' });
    expect(leftAlone).toEqual([
      { remoteId: 'people/c4', ref: `${OTHER}:4`, reason: 'not_ours' },
      { remoteId: 'people/c5', ref: 'hand-made', reason: 'unreadable_stamp' },
    ]);
  });

  it('M5: two earlier copies of the same person: one is adopted, not both', () => {
    const stamped = new Map([
      [`${OLD}:1`, { remoteId: 'people/a', etag: '' }],
      [`${OTHER}:1`, { remoteId: 'people/b', etag: '' }],
    ]);
    expect(planAdoption(stamped, NEW, () => true).adopt.size).toBe(1);
  });

  it('M5: a sync id commits to its CRM, company and user — and to nobody else', () => {
    const id = ownerBoundSyncId(OLIVIA);
    expect(z.uuid().safeParse(id).success).toBe(true); // a valid RFC 9562 uuid (v8): accepted everywhere ids are
    expect(id[14]).toBe('8');
    expect(isOwnerBoundSyncId(id, OLIVIA)).toBe(true);
    expect(isOwnerBoundSyncId(id, { ...OLIVIA, userId: '13002' })).toBe(false); // a colleague
    expect(isOwnerBoundSyncId(id, { ...OLIVIA, companyId: '7401002' })).toBe(false); // another company's Synclane
    expect(isOwnerBoundSyncId(id, { ...OLIVIA, crm: 'teamleader' })).toBe(false);
    expect(isOwnerBoundSyncId(OLD, OLIVIA)).toBe(false); // a random (older) id proves nothing
    expect(ownerBoundSyncId(OLIVIA)).not.toBe(id); // random part: every sync its own id
    // One flipped bit in the commitment is refused.
    const forged = `${id.slice(0, -1)}${id.at(-1) === '0' ? '1' : '0'}`;
    expect(isOwnerBoundSyncId(forged, OLIVIA)).toBe(false);
  });
});
