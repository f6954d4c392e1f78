/** S11: HTTP Basic parsing is case-insensitive in the scheme, strict in the format, bounded in size. */
import { describe, expect, it } from 'vitest';
import { MAX_AUTHORIZATION_LENGTH, isValidBasicAuth, parseBasicAuth } from './basic-auth';

const encode = (s: string) => Buffer.from(s).toString('base64');

describe('S11 Basic authentication parsing', () => {
  it('S11: the Basic scheme is case-insensitive (RFC 9110)', () => {
    for (const scheme of ['Basic', 'basic', 'BASIC', 'bAsIc']) expect(isValidBasicAuth(`${scheme} ${encode('id:secret')}`, 'id', 'secret'), scheme).toBe(true);
  });

  it('S11: wrong credentials, other schemes and malformed values are refused', () => {
    expect(isValidBasicAuth(`Basic ${encode('id:wrong')}`, 'id', 'secret')).toBe(false);
    expect(isValidBasicAuth(`Bearer ${encode('id:secret')}`, 'id', 'secret')).toBe(false);
    expect(isValidBasicAuth(`Basic`, 'id', 'secret')).toBe(false);
    expect(isValidBasicAuth(`Basic ${encode('no-colon')}`, 'id', 'secret')).toBe(false);
    expect(isValidBasicAuth(null, 'id', 'secret')).toBe(false);
  });

  it('S6: an oversized Authorization header is not decoded', () => {
    expect(parseBasicAuth(`Basic ${'A'.repeat(MAX_AUTHORIZATION_LENGTH)}`)).toBeNull();
  });

  it('passwords may contain colons', () => {
    expect(parseBasicAuth(`basic ${encode('user:pa:ss')}`)).toEqual({ user: 'user', password: 'pa:ss' });
  });
});
