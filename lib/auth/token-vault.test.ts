/** Tokens at rest (M1, R2): AES-256-GCM round trip, tamper detection, wrong key. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setEnvForTests } from '@/lib/env';
import { decryptOptional, decryptSecret, encryptOptional, encryptSecret } from './token-vault';

const KEY = Buffer.alloc(32, 1).toString('base64');

beforeAll(() => {
  setEnvForTests({ ENCRYPTION_KEY: KEY, AUTH_SECRET: 'a'.repeat(40), DATA_DIR: mkdtempSync(path.join(tmpdir(), 'synclane-vault-')) });
});

const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

describe('M1/R2 token vault (AES-256-GCM)', () => {
  it('M1: round-trips a token with the configured key', () => {
    const token = 'v1u:AAAA-refresh-token/with+odd=chars ✓';
    const sealed = encryptSecret(token);
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(sealed).not.toContain('refresh');
    expect(decryptSecret(sealed)).toBe(token);
  });

  it('M1: round-trips the empty string and a long token', () => {
    expect(decryptSecret(encryptSecret(''))).toBe('');
    const long = randomBytes(4096).toString('base64');
    expect(decryptSecret(encryptSecret(long))).toBe(long);
  });

  it('uses a fresh IV each time (same token, different ciphertexts)', () => {
    const a = encryptSecret('same');
    const b = encryptSecret('same');
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
  });

  it('the format is v1.<iv>.<tag>.<ciphertext>, base64url, 12-byte IV and 16-byte tag', () => {
    const [v, iv, tag, data] = encryptSecret('abc').split('.');
    expect(v).toBe('v1');
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(data!, 'base64url')).toHaveLength(3);
    for (const part of [iv, tag, data]) expect(part).toMatch(/^[A-Za-z0-9_-]*$/);
  });

  it('tamper detection: a changed ciphertext, tag or IV is rejected', () => {
    const sealed = encryptSecret('a secret refresh token');
    const [v, iv, tag, data] = sealed.split('.') as [string, string, string, string];
    expect(() => decryptSecret([v, iv, tag, flip(data, 0)].join('.'))).toThrow();
    expect(() => decryptSecret([v, iv, flip(tag, 0), data].join('.'))).toThrow();
    expect(() => decryptSecret([v, flip(iv, 0), tag, data].join('.'))).toThrow();
    expect(() => decryptSecret([v, iv, tag, data.slice(0, -2)].join('.'))).toThrow();
  });

  it('a wrong key cannot decrypt', () => {
    const sealed = encryptSecret('token');
    expect(() => decryptSecret(sealed, Buffer.alloc(32, 2))).toThrow();
    const other = Buffer.alloc(32, 3);
    expect(decryptSecret(encryptSecret('token', other), other)).toBe('token');
    expect(() => decryptSecret(encryptSecret('token', other))).toThrow();
  });

  it('unrecognised formats are rejected with a clear error', () => {
    expect(() => decryptSecret('plain-token')).toThrow(/Unrecognised encrypted token format/);
    expect(() => decryptSecret('v2.a.b.c')).toThrow(/Unrecognised/);
    expect(() => decryptSecret('v1.a.b')).toThrow(/Unrecognised/);
  });

  it('optional helpers pass null/empty through', () => {
    expect(encryptOptional(null)).toBeNull();
    expect(encryptOptional(undefined)).toBeNull();
    expect(encryptOptional('')).toBeNull();
    expect(decryptOptional(null)).toBeNull();
    expect(decryptOptional(encryptOptional('t'))).toBe('t');
  });
});
