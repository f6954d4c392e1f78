import { describe, expect, it } from 'vitest';
import { recordIdFromInput } from './record-input';

describe('F2: choosing a record by link or id', () => {
  it.each([
    ['https://focus.teamleader.eu/contact_detail.php?id=A1D2E3F4-0001-4c5d-8e9f-000000000001', 'a1d2e3f4-0001-4c5d-8e9f-000000000001'],
    ['a1d2e3f4-0002-4c5d-8e9f-000000000002', 'a1d2e3f4-0002-4c5d-8e9f-000000000002'],
    ['https://northwind.pipedrive.com/person/42', '42'],
    ['https://northwind.pipedrive.com/deal/7/', '7'],
    ['  1234 ', '1234'],
  ])('F2: %s → %s', (input, id) => expect(recordIdFromInput(input)).toBe(id));

  it('F2: text without a record id is refused', () => {
    expect(recordIdFromInput('Acme Ltd')).toBeNull();
    expect(recordIdFromInput('')).toBeNull();
  });
});
