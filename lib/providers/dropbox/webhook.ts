/**
 * Dropbox webhooks (B1): the challenge handshake and `X-Dropbox-Signature` = hex HMAC-SHA256 of the raw
 * body with the app secret. Verify over the raw bytes before parsing, in constant time; fail closed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { env } from '@/lib/env';

export function verifyWebhookSignature(rawBody: string | Uint8Array, signature: string | null | undefined, secret = env().dropbox.appSecret): boolean {
  if (!signature || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/** The verification GET: echo `challenge` as text/plain with nosniff. */
export function webhookChallengeResponse(challenge: string | null): Response {
  if (!challenge) return new Response('Missing challenge', { status: 400 });
  return new Response(challenge, { status: 200, headers: { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' } });
}

const ZNotification = z.object({ list_folder: z.object({ accounts: z.array(z.string()) }).optional() });

/** Account ids (`dbid:…`) whose app folder changed; the notification carries no file data. */
export function webhookAccounts(body: unknown): string[] {
  const parsed = ZNotification.safeParse(body);
  return parsed.success ? [...new Set(parsed.data.list_folder?.accounts ?? [])] : [];
}
