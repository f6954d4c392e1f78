/**
 * The emulator's domain: accounts, teams, signature requests and their state machine
 * (sent → viewed → signed/declined → all_signed → files prepared → downloadable; canceled).
 * Every transition reports an event; callback-delivery.ts turns events into callbacks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { buildPdf } from './pdf';
import { badRequest, deleted, forbidden, notFound } from './sign-errors';
import type { SignAccount, SignState, StoredRequest, StoredSigner } from './sign-state';

export type SignEventType =
  | 'signature_request_sent'
  | 'signature_request_viewed'
  | 'signature_request_signed'
  | 'signature_request_all_signed'
  | 'signature_request_declined'
  | 'signature_request_downloadable'
  | 'signature_request_canceled'
  | 'signature_request_remind'
  | 'callback_test';

export type SignEvent = { type: SignEventType; request: StoredRequest | null; relatedSignatureId: string | null; at: number; onlyAccountId?: string };

export type NewRequest = {
  requester: SignAccount;
  title: string;
  subject?: string | null;
  message?: string | null;
  signers: { name: string; email: string; order?: number | null }[];
  ccEmails?: string[];
  documents: { name: string; data: Buffer }[];
  metadata?: Record<string, unknown>;
  testMode?: boolean;
  clientId?: string | null;
};

export class SignStore {
  private listeners: ((event: SignEvent) => void)[] = [];

  constructor(
    private readonly state: () => SignState,
    private readonly now: () => number,
  ) {}

  onEvent(listener: (event: SignEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(type: SignEventType, request: StoredRequest | null, relatedSignatureId: string | null = null, onlyAccountId?: string): void {
    const event: SignEvent = { type, request, relatedSignatureId, at: this.now(), onlyAccountId };
    for (const l of this.listeners) l(event);
  }

  newId(bytes = 20): string {
    this.state().counter++;
    return randomBytes(bytes).toString('hex');
  }

  // ── accounts ──────────────────────────────────────────────────────────────────────────────────
  accounts(): SignAccount[] {
    return Object.values(this.state().accounts);
  }
  accountById(id: string): SignAccount | undefined {
    return this.state().accounts[id];
  }
  accountByEmail(email: string): SignAccount | undefined {
    const lower = email.toLowerCase();
    return this.accounts().find((a) => a.email.toLowerCase() === lower);
  }
  accountByApiKey(key: string): SignAccount | undefined {
    return key ? this.accounts().find((a) => a.apiKey === key) : undefined;
  }
  requireAccount(email: string): SignAccount {
    const account = this.accountByEmail(email);
    if (!account) throw notFound(`No account for ${email}.`);
    return account;
  }
  teamMembers(teamId: string): SignAccount[] {
    return this.accounts().filter((a) => a.teamId === teamId);
  }

  // ── requests ──────────────────────────────────────────────────────────────────────────────────
  create(input: NewRequest): StoredRequest {
    if (!input.signers.length) throw badRequest('At least one signer is required.', 'signers');
    if (!input.documents.length) throw badRequest('Must specify files or file_urls.', 'files');
    const now = this.now();
    const request: StoredRequest = {
      id: this.newId(),
      requesterAccountId: input.requester.accountId,
      requesterEmail: input.requester.email,
      title: input.title || input.documents[0].name,
      subject: input.subject ?? null,
      message: input.message ?? null,
      metadata: input.metadata ?? {},
      ccEmails: input.ccEmails ?? [],
      signers: input.signers.map((s, i) => ({
        signatureId: this.newId(),
        email: s.email,
        name: s.name,
        order: s.order ?? (input.signers.some((x) => x.order !== undefined && x.order !== null) ? i : null),
        statusCode: 'awaiting_signature',
        signedAt: null,
        lastViewedAt: null,
        lastRemindedAt: null,
        declineReason: null,
      })),
      documents: input.documents.map((d) => ({ name: d.name, base64: d.data.toString('base64') })),
      testMode: Boolean(input.testMode),
      clientId: input.clientId ?? null,
      createdAt: now,
      completedAt: null,
      filesReadyAt: now + this.state().config.filesPreparingMs,
      downloadableReported: false,
      canceledAt: null,
    };
    this.state().requests[request.id] = request;
    this.state().requestOrder.push(request.id);
    this.emit('signature_request_sent', request);
    return request;
  }

  /** Raw lookup including canceled requests (admin/web UI). */
  find(id: string): StoredRequest | undefined {
    return this.state().requests[id];
  }

  /** What GET /signature_request/{id} may see: requester, signers, CC'd and the requester's team admins. */
  getVisible(id: string, account: SignAccount): StoredRequest {
    const request = this.state().requests[id];
    if (!request) throw notFound();
    const involved = this.isInvolved(request, account, true) || this.isTeamAdminOf(request, account);
    if (!involved) throw forbidden('You do not have access to this signature request.');
    if (request.canceledAt) throw deleted('This signature request has been canceled.');
    return request;
  }

  isInvolved(request: StoredRequest, account: SignAccount, includeCc: boolean): boolean {
    const email = account.email.toLowerCase();
    if (request.requesterAccountId === account.accountId) return true;
    if (request.signers.some((s) => s.email.toLowerCase() === email)) return true;
    return includeCc && request.ccEmails.some((c) => c.toLowerCase() === email);
  }

  private isTeamAdminOf(request: StoredRequest, account: SignAccount): boolean {
    if (account.roleCode !== 'a' || !account.teamId) return false;
    const members = this.teamMembers(account.teamId);
    return members.some((m) => this.isInvolved(request, m, false));
  }

  /**
   * /list semantics (reference §3.2): requests the account sent or must sign — never ones it is only
   * CC'd on — newest first; canceled requests are gone. `scope` 'all' = every team member's.
   */
  listFor(accounts: SignAccount[]): StoredRequest[] {
    const order = this.state().requestOrder;
    const out: StoredRequest[] = [];
    for (let i = order.length - 1; i >= 0; i--) {
      const request = this.state().requests[order[i]];
      if (!request || request.canceledAt) continue;
      if (accounts.some((a) => this.isInvolved(request, a, false))) out.push(request);
    }
    return out;
  }

  /** Everything the web UI shows an account, CC'd requests included. */
  inboxOf(account: SignAccount): StoredRequest[] {
    return this.state()
      .requestOrder.map((id) => this.state().requests[id])
      .filter((r): r is StoredRequest => Boolean(r) && this.isInvolved(r, account, true))
      .reverse();
  }

  isComplete = (r: StoredRequest) => r.signers.every((s) => s.statusCode === 'signed');
  isDeclined = (r: StoredRequest) => r.signers.some((s) => s.statusCode === 'declined');

  private signerOf(request: StoredRequest, email: string): StoredSigner {
    const signer = request.signers.find((s) => s.email.toLowerCase() === email.toLowerCase());
    if (!signer) throw forbidden(`${email} is not a signer of this request.`);
    return signer;
  }

  private requireOpen(request: StoredRequest): void {
    if (request.canceledAt) throw deleted('This signature request has been canceled.');
    if (this.isComplete(request)) throw badRequest('This signature request is already complete.');
    if (this.isDeclined(request)) throw badRequest('This signature request has been declined.');
  }

  view(id: string, email: string): StoredRequest {
    const request = this.mustFind(id);
    const signer = this.signerOf(request, email);
    signer.lastViewedAt = this.now();
    this.emit('signature_request_viewed', request, signer.signatureId);
    return request;
  }

  sign(id: string, email: string): StoredRequest {
    const request = this.mustFind(id);
    this.requireOpen(request);
    const signer = this.signerOf(request, email);
    if (signer.statusCode !== 'awaiting_signature') throw badRequest(`${email} has already signed.`);
    const waitingBefore = request.signers.find((s) => s.order !== null && s.order < (signer.order ?? 0) && s.statusCode !== 'signed');
    if (signer.order !== null && waitingBefore) throw badRequest(`${waitingBefore.email} must sign first (signing order).`);
    const now = this.now();
    signer.statusCode = 'signed';
    signer.signedAt = now;
    signer.lastViewedAt ??= now;
    // The signed copy has to be rendered again: files are "being prepared" for a while.
    request.filesReadyAt = now + this.state().config.filesPreparingMs;
    this.emit('signature_request_signed', request, signer.signatureId);
    if (this.isComplete(request)) {
      request.completedAt = now;
      this.emit('signature_request_all_signed', request);
    }
    this.settle();
    return request;
  }

  decline(id: string, email: string, reason: string): StoredRequest {
    const request = this.mustFind(id);
    this.requireOpen(request);
    const signer = this.signerOf(request, email);
    signer.statusCode = 'declined';
    signer.declineReason = reason || null;
    this.emit('signature_request_declined', request, signer.signatureId);
    return request;
  }

  cancel(id: string, account: SignAccount): void {
    const request = this.mustFind(id);
    if (request.canceledAt) throw deleted('This signature request has already been canceled.');
    if (request.requesterAccountId !== account.accountId && !this.isTeamAdminOf(request, account))
      throw forbidden('Only the requester (or a team admin) can cancel a signature request.');
    if (this.isComplete(request)) throw badRequest('A completed signature request cannot be canceled.');
    request.canceledAt = this.now();
    this.emit('signature_request_canceled', request);
  }

  remind(id: string, account: SignAccount, email: string): StoredRequest {
    const request = this.getVisible(id, account);
    if (request.requesterAccountId !== account.accountId) throw forbidden('Only the requester can send reminders.');
    this.requireOpen(request);
    const signer = request.signers.find((s) => s.email.toLowerCase() === email.toLowerCase());
    if (!signer) throw badRequest(`${email} is not a signer of this request.`, 'email_address');
    if (signer.statusCode !== 'awaiting_signature') throw badRequest(`${email} has already signed.`, 'email_address');
    signer.lastRemindedAt = this.now();
    this.emit('signature_request_remind', request, signer.signatureId);
    return request;
  }

  callbackTest(account: SignAccount): void {
    this.emit('callback_test', null, null, account.accountId);
  }

  /** Reports `signature_request_downloadable` for completed requests whose files are now ready. */
  settle(): void {
    const now = this.now();
    for (const request of Object.values(this.state().requests)) {
      if (request.completedAt && !request.downloadableReported && !request.canceledAt && request.filesReadyAt <= now) {
        request.downloadableReported = true;
        this.emit('signature_request_downloadable', request);
      }
    }
  }

  filesReady(request: StoredRequest): boolean {
    return this.now() >= request.filesReadyAt;
  }

  /** Current copy of each document: the original until someone signs, then a visibly signed PDF. */
  currentFiles(request: StoredRequest): { name: string; data: Buffer }[] {
    const signed = request.signers.filter((s) => s.statusCode === 'signed');
    return request.documents.map((doc) => {
      const original = Buffer.from(doc.base64, 'base64');
      if (!signed.length && !this.isDeclined(request)) return { name: doc.name, data: original };
      const lines = [
        request.title,
        `Document: ${doc.name} (original ${original.length} bytes, sha256 ${createHash('sha256').update(original).digest('hex').slice(0, 16)}...)`,
        `Requested by ${request.requesterEmail} on ${new Date(request.createdAt).toISOString()}`,
        '',
        ...request.signers.map((s) =>
          s.statusCode === 'signed'
            ? `Signed by ${s.name} <${s.email}> on ${new Date(s.signedAt!).toISOString()}`
            : s.statusCode === 'declined'
              ? `Declined by ${s.name} <${s.email}>${s.declineReason ? `: ${s.declineReason}` : ''}`
              : `Awaiting signature of ${s.name} <${s.email}>`,
        ),
        '',
        `Signature request ${request.id}${request.testMode ? ' (test mode: not legally binding)' : ''}`,
      ];
      return { name: doc.name, data: buildPdf(lines) };
    });
  }

  mustFind(id: string): StoredRequest {
    const request = this.state().requests[id];
    if (!request) throw notFound();
    return request;
  }
}
