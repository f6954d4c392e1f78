import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Deterministic v5-style UUID from a seed string: demo data and generated contacts keep their ids across resets. */
export function stableUuid(seed: string): string {
  const hex = createHash('sha1').update(`teamleader-sandbox:${seed}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const randomId = (): string => randomUUID();

export const opaqueToken = (): string => randomBytes(32).toString('base64url');

/** Teamleader timestamps: ISO 8601, second precision, with a numeric offset (`2016-02-04T16:44:33+00:00`). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** X-RateLimit-Reset format from the docs: milliseconds and an offset without colon (`…23.035+0000`). */
export function formatRateLimitReset(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '+0000');
}
