/**
 * Input bounds for everything that arrives from outside (API bodies, query strings, path ids, webhook
 * deliveries). Bad input is a 4xx with a message, never a 500: Postgres rejects NUL bytes and non-UUID
 * ids with errors we would otherwise surface as "internal"; unbounded strings end up in URLs and rows.
 */
import { z } from 'zod';

/** Largest JSON body any of our endpoints accepts (settings payloads and CRM webhook deliveries are a few KB). */
export const MAX_BODY_BYTES = 64 * 1024;
/** Longest single string accepted anywhere in an input; fields have tighter limits of their own. */
export const MAX_STRING_LENGTH = 2000;
/** RFC 5321: a forward-path is at most 256 octets, so an address is at most 254. */
export const MAX_EMAIL_LENGTH = 254;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** C0 controls and DEL, except tab, line feed and carriage return (which free text may contain). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export const isUuid = (value: string | null | undefined): value is string => !!value && UUID.test(value);

/** A bounded string without control characters (Postgres refuses NUL; the rest has no business in ids). */
export const ZBoundedText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !CONTROL_CHARACTERS.test(v), 'must not contain control characters');

/** Webhook deliveries carry whole CRM records (custom fields included) of which we read only the envelope. */
export const MAX_WEBHOOK_BODY_BYTES = 512 * 1024;

/** An id in a path or body: a UUID, or a 4xx saying so (never a database error). */
export const ZId = z.string().regex(UUID, 'is not a valid id');

export class InputError extends Error {
  constructor(
    public status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** The first string in `value` (any depth) that is too long or carries control characters, described. */
export function findUnsafeString(value: unknown, path = 'input', depth = 0): string | null {
  if (depth > 20) return `${path} is nested too deeply`;
  if (typeof value === 'string') {
    if (value.length > MAX_STRING_LENGTH) return `${path} is longer than ${MAX_STRING_LENGTH} characters`;
    if (CONTROL_CHARACTERS.test(value)) return `${path} contains control characters`;
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findUnsafeString(value[i], `${path}.${i}`, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = findUnsafeString(key, `${path} key`, depth + 1) ?? findUnsafeString(item, `${path}.${key}`, depth + 1);
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * Reads a JSON body of at most `maxBytes` (checked against Content-Length and again while reading, since
 * the header may lie or be absent) whose strings are all bounded and free of control characters (unless
 * the caller validates the fields it uses itself, as the webhook envelopes do).
 */
export async function readJsonBody(req: Request, { maxBytes = MAX_BODY_BYTES, checkStrings = true }: { maxBytes?: number; checkStrings?: boolean } = {}): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new InputError(413, `The request body is larger than ${maxBytes} bytes.`);
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new InputError(413, `The request body is larger than ${maxBytes} bytes.`);
      }
      chunks.push(value);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new InputError(400, 'The request body is not valid JSON.');
  }
  const problem = checkStrings ? findUnsafeString(parsed, 'body') : null;
  if (problem) throw new InputError(400, `Invalid ${problem}.`);
  return parsed;
}
