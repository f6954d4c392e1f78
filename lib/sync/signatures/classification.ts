/**
 * Which archive folder a signature request belongs in, seen from the archiving user (PRODUCT S2,
 * after Dropbox Sign's own Dropbox integration, seed article 002):
 *
 *   Received                    "people who sent you / CC'd you on a document"
 *   Signature requested         "requests you sent for signature"
 *   Sent                        "documents you signed yourself"
 *   Signed and returned by you  "requests sent to you that you signed"
 *
 * Semantics (decided here, table-tested in classification.test.ts):
 *   1. You sent it (requester = you):
 *      - you are the only signer            → Sent (the "just me" self-signing flow; its status does not matter)
 *      - anyone else must sign              → Signature requested (also when you sign it too, "me & others")
 *      - no signers at all                  → nothing (not a valid request)
 *      CC'ing yourself on your own request changes nothing.
 *   2. Someone else sent it:
 *      - you are a signer and have signed every slot that is yours → Signed and returned by you
 *      - you are a signer and have not (yet) signed, or declined  → Received
 *      - you are only CC'd                                        → Received
 *      Being CC'd as well as a signer changes nothing (the signer role decides).
 *   3. You are not involved (e.g. a team admin looking at a member's request, S4) → nothing: team
 *      archives use the member's perspective.
 * The answer follows the request's state at the moment of archiving, which is why "both sent and
 * completed documents are archived" (S2) puts one request sent to you first in Received (the copy as
 * sent) and, once you signed, in Signed and returned by you (the signed copy).
 * At most one folder today; a list so callers need not change if a rule ever files into two.
 * E-mail addresses compare case-insensitively, trimmed. Unknown signer statuses count as "not signed".
 */

export const SIGNATURE_FOLDERS = {
  received: 'Received',
  signatureRequested: 'Signature requested',
  sent: 'Sent',
  signedAndReturned: 'Signed and returned by you',
} as const;

export type SignatureFolder = (typeof SIGNATURE_FOLDERS)[keyof typeof SIGNATURE_FOLDERS];

/** The vendor-neutral part of a signature request the rules need. */
export type SignatureRequestView = {
  requesterEmail: string;
  signers: { email: string; status: string }[];
  ccEmails: string[];
};

const normalize = (email: string) => email.trim().toLowerCase();

export function classifySignatureRequest(request: SignatureRequestView, userEmail: string): SignatureFolder[] {
  const me = normalize(userEmail);
  if (!me) return [];
  const mySlots = request.signers.filter((s) => normalize(s.email) === me);
  const othersSign = request.signers.some((s) => normalize(s.email) !== me);

  if (normalize(request.requesterEmail) === me) {
    if (othersSign) return [SIGNATURE_FOLDERS.signatureRequested];
    if (mySlots.length) return [SIGNATURE_FOLDERS.sent];
    return [];
  }
  if (mySlots.length) {
    const signedAll = mySlots.every((s) => s.status === 'signed');
    return [signedAll ? SIGNATURE_FOLDERS.signedAndReturned : SIGNATURE_FOLDERS.received];
  }
  if (request.ccEmails.some((c) => normalize(c) === me)) return [SIGNATURE_FOLDERS.received];
  return [];
}
