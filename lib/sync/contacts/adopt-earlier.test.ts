import { describe, expect, it } from 'vitest';
import { parseRef, planAdoption } from './adopt-earlier';

const OLD = '11111111-1111-4111-8111-111111111111';
const NEW = '22222222-2222-4222-8222-222222222222';
const OTHER = '33333333-3333-4333-8333-333333333333';

describe('M5/B2 re-adopting an earlier sync’s contacts', () => {
  it('M5: parses our stamp into sync id and CRM id', () => {
    expect(parseRef(`${OLD}:42`)).toEqual({ syncId: OLD, crmId: '42' });
    expect(parseRef('garbage')).toBeNull();
    expect(parseRef(`${OLD}:`)).toBeNull();
  });

  it('M5: contacts stamped by an earlier sync are adopted by CRM id; the new sync’s own and foreign stamps are not', () => {
    const stamped = new Map([
      [`${OLD}:1`, { remoteId: 'people/c1', etag: 'e1' }],
      [`${OLD}:2`, { remoteId: 'people/c2', etag: 'e2' }],
      [`${NEW}:3`, { remoteId: 'people/c3', etag: 'e3' }],
      [`${OTHER}:4`, { remoteId: 'people/c4', etag: 'e4' }],
    ]);
    const adopt = planAdoption(stamped, NEW, new Set([OTHER]));
    expect([...adopt.keys()].sort()).toEqual(['1', '2']);
    expect(adopt.get('1')).toEqual({ remoteId: 'people/c1', etag: 'e1' });
  });

  it('M5: two earlier copies of the same person: one is adopted, not both', () => {
    const stamped = new Map([
      [`${OLD}:1`, { remoteId: 'people/a', etag: '' }],
      [`${OTHER}:1`, { remoteId: 'people/b', etag: '' }],
    ]);
    expect(planAdoption(stamped, NEW, new Set()).size).toBe(1);
  });
});
