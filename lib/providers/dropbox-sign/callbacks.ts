/**
 * Incoming Dropbox Sign callbacks (reference §3.6): a POST whose multipart/form-data field `json` holds
 * the event (a raw JSON body is accepted too). Authenticity: `event_hash` must equal
 * hex(HMAC-SHA256(key, event_time + event_type)), compared in constant time. The key is the API key
 * of the account the callback is for: for app callbacks (ours, `reported_for_app_id` set) the API key
 * of the account that owns our API app — what the vendor's SDK helpers and examples verify with.
 * The answer must be exactly `Hello API Event Received` with HTTP 200, or Dropbox Sign retries.
 *
 * Account callbacks are keyed with the user's own API key, which an OAuth app never sees. So only app
 * callbacks (requests sent through Synclane) can be verified; an account callback is at most a hint
 * (`parseCallbackHint`) that makes us re-read the request through the authenticated API — its content
 * is never trusted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { signatureRequestFromWire, type SignatureRequestInfo } from './mapper';
import { ZCallbackEvent, type TCallbackEvent } from './schemas';

export const CALLBACK_ACKNOWLEDGEMENT = 'Hello API Event Received';

/** A callback we must refuse: 400 for a malformed body, 401 for a wrong event_hash (never acknowledge). */
export class CallbackRejectedError extends Error {
  constructor(
    public status: 400 | 401,
    message: string,
  ) {
    super(message);
    this.name = 'CallbackRejectedError';
  }
}

export type DropboxSignCallback = {
  eventType: string;
  eventTime: Date;
  kind: 'account_callback' | 'app_callback';
  reportedForAccountId: string | null;
  reportedForAppId: string | null;
  relatedSignatureId: string | null;
  signatureRequest: SignatureRequestInfo | null;
  raw: TCallbackEvent;
};

/** A Response that acknowledges a callback (route handlers return it after verifying). */
export function acknowledgeCallback(): Response {
  return new Response(CALLBACK_ACKNOWLEDGEMENT, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

export function computeEventHash(key: string, eventTime: string, eventType: string): string {
  return createHmac('sha256', key).update(`${eventTime}${eventType}`).digest('hex');
}

export function isValidEventHash(key: string, event: { event_time: string; event_type: string; event_hash: string }): boolean {
  const expected = Buffer.from(computeEventHash(key, event.event_time, event.event_type), 'utf8');
  const given = Buffer.from(event.event_hash, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The `json` text from a multipart form or a raw JSON body. */
export async function readCallbackJson(request: Request): Promise<string> {
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await request.formData();
    const value = form.get('json');
    if (typeof value !== 'string') throw new CallbackRejectedError(400, 'Dropbox Sign callback without a `json` field.');
    return value;
  }
  return request.text();
}

/**
 * Parses and verifies a callback; `keyFor` returns the HMAC key for the callback's kind (and account).
 * Throws CallbackRejectedError for a malformed payload or a wrong event_hash.
 */
export function parseCallback(jsonText: string, keyFor: (kind: DropboxSignCallback['kind'], event: TCallbackEvent) => string | null): DropboxSignCallback {
  let data: unknown;
  try {
    data = JSON.parse(jsonText);
  } catch {
    throw new CallbackRejectedError(400, 'Dropbox Sign callback: the json field is not JSON.');
  }
  const parsed = ZCallbackEvent.safeParse(data);
  if (!parsed.success) throw new CallbackRejectedError(400, `Dropbox Sign callback: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const event = parsed.data;
  const metadata = event.event.event_metadata ?? {};
  const kind = metadata.reported_for_app_id ? 'app_callback' : 'account_callback';
  const key = keyFor(kind, event);
  if (!key || !isValidEventHash(key, event.event)) throw new CallbackRejectedError(401, 'Dropbox Sign callback: event_hash does not match.');
  return {
    eventType: event.event.event_type,
    eventTime: new Date(Number(event.event.event_time) * 1000),
    kind,
    reportedForAccountId: metadata.reported_for_account_id ?? null,
    reportedForAppId: metadata.reported_for_app_id ?? null,
    relatedSignatureId: metadata.related_signature_id ?? null,
    signatureRequest: event.signature_request ? signatureRequestFromWire(event.signature_request) : null,
    raw: event,
  };
}

export type DropboxSignCallbackHint = { eventType: string; signatureRequestId: string | null; reportedForAccountId: string | null };

/**
 * The untrusted minimum of a callback we cannot verify (account callbacks of OAuth users): enough to
 * schedule an authenticated re-read of that request, nothing else.
 */
export function parseCallbackHint(jsonText: string): DropboxSignCallbackHint {
  let data: unknown;
  try {
    data = JSON.parse(jsonText);
  } catch {
    throw new CallbackRejectedError(400, 'Dropbox Sign callback: the json field is not JSON.');
  }
  const parsed = ZCallbackEvent.safeParse(data);
  if (!parsed.success) throw new CallbackRejectedError(400, 'Dropbox Sign callback: malformed payload.');
  return {
    eventType: parsed.data.event.event_type,
    signatureRequestId: parsed.data.signature_request?.signature_request_id ?? null,
    reportedForAccountId: parsed.data.event.event_metadata?.reported_for_account_id ?? null,
  };
}
