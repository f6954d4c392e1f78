import { describe, expect, it } from 'vitest';
import { findOverlap, type SyncFootprint } from './overlap';

const olivia = (direction: SyncFootprint['direction'], email = 'olivia@gmail.com'): SyncFootprint => ({ crmUserId: 'u1', provider: 'google', accountEmail: email, direction });
const rahul = (direction: SyncFootprint['direction']): SyncFootprint => ({ crmUserId: 'u2', provider: 'google', accountEmail: 'Olivia@Gmail.com', direction });

describe('overlapping syncs on one provider account', () => {
  it('overlap: the same user cannot run a second direction on the same account', () => {
    expect(findOverlap(olivia('two_way'), [olivia('crm_to_provider')], true)).toEqual(olivia('crm_to_provider'));
    expect(findOverlap(olivia('crm_to_provider'), [olivia('provider_to_crm')], true)).not.toBeNull();
  });

  it('overlap: the same direction again is the same sync (settings update), another account is fine', () => {
    expect(findOverlap(olivia('two_way'), [olivia('two_way')], true)).toBeNull();
    expect(findOverlap(olivia('two_way'), [olivia('crm_to_provider', 'other@gmail.com')], true)).toBeNull();
    expect(findOverlap(olivia('two_way'), [{ ...olivia('crm_to_provider'), provider: 'microsoft' }], true)).toBeNull();
  });

  it('overlap/C5: another user exporting to the same account overlaps only when persons have no owner', () => {
    expect(findOverlap(olivia('crm_to_provider'), [rahul('crm_to_provider')], true)).toBeNull();
    expect(findOverlap(olivia('crm_to_provider'), [rahul('crm_to_provider')], false)).toEqual(rahul('crm_to_provider'));
    expect(findOverlap(olivia('crm_to_provider'), [rahul('provider_to_crm')], false)).toBeNull();
  });
});
