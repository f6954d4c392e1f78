/** State → Dropbox Sign API v3 wire objects (snake_case, reference §3.3). */
import type { SignAccount, SignState, StoredRequest } from './sign-state';

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export function wireSignatureRequest(request: StoredRequest, apiBase: string, webBase: string) {
  const isComplete = request.signers.every((s) => s.statusCode === 'signed');
  return {
    test_mode: request.testMode,
    signature_request_id: request.id,
    requester_email_address: request.requesterEmail,
    title: request.title,
    original_title: request.title,
    subject: request.subject,
    message: request.message,
    metadata: request.metadata,
    created_at: seconds(request.createdAt),
    expires_at: null,
    is_complete: isComplete,
    is_declined: request.signers.some((s) => s.statusCode === 'declined'),
    has_error: false,
    files_url: `${apiBase}/signature_request/files/${request.id}`,
    signing_url: isComplete ? null : `${webBase}/sign/${request.id}`,
    details_url: `${webBase}/requests/${request.id}`,
    cc_email_addresses: request.ccEmails,
    signing_redirect_url: null,
    final_copy_uri: null,
    template_ids: null,
    custom_fields: [],
    attachments: [],
    response_data: [],
    signatures: request.signers.map((s) => ({
      signature_id: s.signatureId,
      signer_group_guid: null,
      signer_email_address: s.email,
      signer_name: s.name,
      signer_role: null,
      order: s.order,
      status_code: s.statusCode,
      decline_reason: s.declineReason,
      signed_at: seconds(s.signedAt),
      last_viewed_at: seconds(s.lastViewedAt),
      last_reminded_at: seconds(s.lastRemindedAt),
      has_pin: false,
      has_sms_auth: false,
      has_sms_delivery: false,
      sms_phone_number: null,
      reassigned_by: null,
      reassignment_reason: null,
      reassigned_from: null,
      error: null,
    })),
    bulk_send_job_id: null,
  };
}

export function wireAccount(account: SignAccount, state: SignState) {
  const used = Object.values(state.requests).filter((r) => r.requesterAccountId === account.accountId && !r.testMode).length;
  return {
    account_id: account.accountId,
    email_address: account.email,
    is_locked: false,
    is_paid_hs: account.isPaid,
    is_paid_hf: false,
    quotas: {
      api_signature_requests_left: account.isPaid ? null : Math.max(0, 3 - used),
      documents_left: account.isPaid ? null : Math.max(0, 3 - used),
      templates_total: 0,
      templates_left: account.isPaid ? null : 0,
      sms_verifications_left: 0,
      num_fax_pages_left: 0,
    },
    callback_url: account.callbackUrl,
    role_code: account.roleCode,
    team_id: account.teamId,
    locale: account.locale,
    usage: { fax_pages_sent: 0 },
  };
}

export const TEAM_ROLE_NAMES = { a: 'Admin', m: 'Member' } as const;
