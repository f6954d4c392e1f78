/**
 * Vendor shapes → our signature-request model. Two inputs: the SDK's camelCase models (API answers)
 * and the snake_case wire objects inside callbacks. Both end in `SignatureRequestInfo`, which is what
 * lib/sync/signatures (classification, archive) works with.
 */
import type { SignatureRequestResponse } from '@dropbox/sign';
import type { SignatureRequestView } from '@/lib/sync/signatures/classification';
import type { TWireSignatureRequest } from './schemas';

export type SignerInfo = {
  signatureId: string;
  email: string;
  name: string | null;
  order: number | null;
  /** `awaiting_signature` | `signed` | `declined` | vendor values we keep opaque (reference §3.4). */
  status: string;
  signedAt: Date | null;
  declineReason: string | null;
};

/** Assignable to the classification's SignatureRequestView (signers carry email + status). */
export type SignatureRequestInfo = Omit<SignatureRequestView, 'signers'> & {
  id: string;
  title: string;
  subject: string | null;
  message: string | null;
  createdAt: Date | null;
  /**
   * When the last signature arrived (the API has no completion time): S3 archives only requests
   * completed after activation. null while incomplete.
   */
  completedAt: Date | null;
  isComplete: boolean;
  isDeclined: boolean;
  hasError: boolean;
  testMode: boolean;
  metadata: Record<string, unknown>;
  detailsUrl: string | null;
  signers: SignerInfo[];
};

const fromUnix = (value: number | null | undefined) => (typeof value === 'number' && value > 0 ? new Date(value * 1000) : null);

function withCompletion(info: Omit<SignatureRequestInfo, 'completedAt'>): SignatureRequestInfo {
  const times = info.signers.map((s) => s.signedAt?.getTime() ?? NaN);
  const completedAt = info.isComplete && times.length && times.every(Number.isFinite) ? new Date(Math.max(...times)) : null;
  return { ...info, completedAt };
}

export function signatureRequestFromSdk(r: SignatureRequestResponse): SignatureRequestInfo {
  return withCompletion({
    id: r.signatureRequestId ?? '',
    title: r.title ?? r.originalTitle ?? '',
    subject: r.subject ?? null,
    message: r.message ?? null,
    requesterEmail: r.requesterEmailAddress ?? '',
    createdAt: fromUnix(r.createdAt),
    isComplete: Boolean(r.isComplete),
    isDeclined: Boolean(r.isDeclined),
    hasError: Boolean(r.hasError),
    testMode: Boolean(r.testMode),
    ccEmails: r.ccEmailAddresses ?? [],
    metadata: (r.metadata as Record<string, unknown> | undefined) ?? {},
    detailsUrl: r.detailsUrl ?? null,
    signers: (r.signatures ?? []).map((s) => ({
      signatureId: s.signatureId ?? '',
      email: s.signerEmailAddress ?? '',
      name: s.signerName ?? null,
      order: s.order ?? null,
      status: s.statusCode ?? 'unknown',
      signedAt: fromUnix(s.signedAt),
      declineReason: s.declineReason ?? null,
    })),
  });
}

export function signatureRequestFromWire(r: TWireSignatureRequest): SignatureRequestInfo {
  return withCompletion({
    id: r.signature_request_id,
    title: r.title ?? '',
    subject: r.subject ?? null,
    message: r.message ?? null,
    requesterEmail: r.requester_email_address,
    createdAt: fromUnix(r.created_at),
    isComplete: r.is_complete,
    isDeclined: r.is_declined,
    hasError: r.has_error,
    testMode: Boolean(r.test_mode),
    ccEmails: r.cc_email_addresses ?? [],
    metadata: r.metadata ?? {},
    detailsUrl: r.details_url ?? null,
    signers: r.signatures.map((s) => ({
      signatureId: s.signature_id,
      email: s.signer_email_address,
      name: s.signer_name ?? null,
      order: s.order ?? null,
      status: s.status_code,
      signedAt: fromUnix(s.signed_at),
      declineReason: s.decline_reason ?? null,
    })),
  });
}
