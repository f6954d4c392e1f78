/**
 * Zod schemas for what Dropbox Sign sends us without the SDK in between: callback payloads (the
 * multipart `json` field, reference §3.6). Wire names are snake_case. Unknown fields pass through;
 * unknown status codes and event types are kept as strings (the vendor adds new ones).
 */
import { z } from 'zod';

const unixSeconds = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).nullable().optional();

export const ZWireSignature = z.object({
  signature_id: z.string(),
  signer_email_address: z.string(),
  signer_name: z.string().nullable().optional(),
  order: z.number().nullable().optional(),
  status_code: z.string(),
  signed_at: unixSeconds,
  last_viewed_at: unixSeconds,
  decline_reason: z.string().nullable().optional(),
});

export const ZWireSignatureRequest = z.object({
  signature_request_id: z.string(),
  title: z.string().nullable().optional(),
  subject: z.string().nullable().optional(),
  message: z.string().nullable().optional(),
  requester_email_address: z.string(),
  created_at: unixSeconds,
  is_complete: z.boolean().default(false),
  is_declined: z.boolean().default(false),
  has_error: z.boolean().default(false),
  test_mode: z.boolean().optional(),
  cc_email_addresses: z.array(z.string()).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  files_url: z.string().nullable().optional(),
  details_url: z.string().nullable().optional(),
  signatures: z.array(ZWireSignature).default([]),
});

export const ZCallbackEvent = z.object({
  event: z.object({
    event_time: z.union([z.string(), z.number()]).transform(String),
    event_type: z.string(),
    event_hash: z.string(),
    event_metadata: z
      .object({
        related_signature_id: z.string().nullable().optional(),
        reported_for_account_id: z.string().nullable().optional(),
        reported_for_app_id: z.string().nullable().optional(),
        event_message: z.string().nullable().optional(),
      })
      .nullable()
      .optional(),
  }),
  account_guid: z.string().nullable().optional(),
  client_id: z.string().nullable().optional(),
  signature_request: ZWireSignatureRequest.nullable().optional(),
});

export type TWireSignatureRequest = z.infer<typeof ZWireSignatureRequest>;
export type TCallbackEvent = z.infer<typeof ZCallbackEvent>;
