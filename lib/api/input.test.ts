/** S6: input bounds — ids, control characters, string and body caps. */
import { describe, expect, it } from 'vitest';
import { findUnsafeString, InputError, isUuid, MAX_BODY_BYTES, MAX_STRING_LENGTH, readJsonBody, ZBoundedText } from './input';

const post = (body: string, headers: Record<string, string> = {}) => new Request('http://x/', { method: 'POST', body, headers });
async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected a refusal');
}

describe('S6 input bounds', () => {
  it('S6: ids must be UUIDs', () => {
    expect(isUuid('4f8a1c1e-2b3d-4c5e-8f90-123456789abc')).toBe(true);
    for (const bad of ['not-a-uuid', '', null, undefined, "1' or '1'='1", '4f8a1c1e-2b3d-4c5e-8f90-123456789abc\u0000']) expect(isUuid(bad as string)).toBe(false);
  });

  it('S6: control characters (NUL included) are found at any depth; tabs and newlines are fine', () => {
    expect(findUnsafeString({ a: [{ b: 'x\u0000y' }] })).toMatch(/input\.a\.0\.b contains control characters/);
    expect(findUnsafeString({ ['k\u0007']: 1 })).toMatch(/control characters/);
    expect(findUnsafeString({ note: 'line 1\nline 2\tend\r\n' })).toBeNull();
  });

  it('S6: every string is capped', () => {
    expect(findUnsafeString({ s: 'x'.repeat(MAX_STRING_LENGTH) })).toBeNull();
    expect(findUnsafeString({ s: 'x'.repeat(MAX_STRING_LENGTH + 1) })).toMatch(/longer than/);
  });

  it('S6: bodies over the cap are refused with 413, by header or by actual size', async () => {
    expect((await refusal(readJsonBody(post('{}', { 'content-length': String(MAX_BODY_BYTES + 1) })))).status).toBe(413);
    expect((await refusal(readJsonBody(post(JSON.stringify({ s: 'x'.repeat(MAX_BODY_BYTES) }))))).status).toBe(413);
  });

  it('S6: invalid JSON and unsafe strings are 400s; a clean body parses', async () => {
    expect((await refusal(readJsonBody(post('{nope')))).status).toBe(400);
    expect((await refusal(readJsonBody(post(JSON.stringify({ s: 'a\u0000' }))))).message).toMatch(/control characters/);
    await expect(readJsonBody(post(JSON.stringify({ ok: true })))).resolves.toEqual({ ok: true });
    await expect(readJsonBody(post(JSON.stringify({ s: 'a\u0000' })), { checkStrings: false })).resolves.toEqual({ s: 'a\u0000' });
  });

  it('S6: ZBoundedText caps length and refuses control characters', () => {
    expect(ZBoundedText(5).safeParse('abcde').success).toBe(true);
    expect(ZBoundedText(5).safeParse('abcdef').success).toBe(false);
    expect(ZBoundedText(5).safeParse('a\u0000').success).toBe(false);
  });
});
