/**
 * Web UI for reviewers: act as any demo account (team admin, members, outside signers), see what that
 * account was sent, sent itself or was CC'd on, sign, decline, cancel, remind, send a new request with
 * a generated PDF, and set the account callback URL. Every action goes through the same store as the
 * API, so callbacks fire exactly as they would for API calls.
 */
import { escapeHtml, html, redirect, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { buildPdf } from './pdf';
import { SignApiError } from './sign-errors';
import type { SignState, StoredRequest } from './sign-state';
import type { SignStore } from './sign-store';
import { layout } from './web-layout';

const BASE = '/dropbox-sign';

export class SignWebUi {
  constructor(
    private readonly state: () => SignState,
    private readonly store: SignStore,
    private readonly now: () => number,
  ) {}

  register(router: Router): void {
    router.get('/', () => this.accountsPage());
    router.get('/app/:email', (req) => this.homePage(req.params.email));
    router.post('/app/:email/settings', (req) => {
      const account = this.store.requireAccount(req.params.email);
      const form = new URLSearchParams(req.body.toString('utf8'));
      const url = (form.get('callback_url') ?? '').trim();
      if (url && !/^https?:\/\/\S+$/.test(url)) throw new SignApiError(400, 'bad_request', 'The callback URL must start with http:// or https://.');
      account.callbackUrl = url || null;
      return redirect(this.home(account.email), 303);
    });
    router.post('/app/:email/test-callback', (req) => {
      this.store.callbackTest(this.store.requireAccount(req.params.email));
      return redirect(this.home(req.params.email), 303);
    });
    router.post('/app/:email/send', (req) => this.send(req));
    router.get('/sign/:id', (req) => redirect(`${BASE}/requests/${encodeURIComponent(req.params.id)}`));
    router.get('/requests/:id', (req) => this.requestPage(req));
    router.get('/requests/:id/file', (req) => {
      const request = this.store.mustFind(req.params.id);
      const file = this.store.currentFiles(request)[0];
      return { status: 200, headers: { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${file.name.replace(/"/g, '')}"` }, body: file.data };
    });
    router.post('/requests/:id/:action', (req) => this.act(req));
  }

  static errorPage(error: SignApiError): SandboxResponse {
    return html(error.status, layout('Error', `<p class="error">${escapeHtml(error.message)}</p><p><a href="${BASE}">Back to accounts</a></p>`));
  }

  private home(email: string): string {
    return `${BASE}/app/${encodeURIComponent(email)}`;
  }

  private accountsPage(): SandboxResponse {
    const teams = this.state().teams;
    const cards = this.store
      .accounts()
      .map((a) => {
        const team = a.teamId ? `${teams[a.teamId]?.name ?? a.teamId} · ${a.roleCode === 'a' ? 'team admin' : 'team member'}` : 'no team';
        return `<a class="card" href="${this.home(a.email)}"><strong>${escapeHtml(a.name)}</strong><br><small>${escapeHtml(a.email)} · ${escapeHtml(team)} · API key <code>${escapeHtml(a.apiKey)}</code></small></a>`;
      })
      .join('');
    return html(200, layout('Pick an account', `<p>Act as any account of the demo. Requests, signatures and callbacks are the same ones the API shows.</p>${cards}`));
  }

  private status(request: StoredRequest): string {
    if (request.canceledAt) return '<span class="tag declined">canceled</span>';
    if (this.store.isDeclined(request)) return '<span class="tag declined">declined</span>';
    if (this.store.isComplete(request)) return `<span class="tag signed">completed</span>${this.store.filesReady(request) ? '' : ' <span class="tag">preparing files</span>'}`;
    const signed = request.signers.filter((s) => s.statusCode === 'signed').length;
    return `<span class="tag">awaiting signatures (${signed}/${request.signers.length})</span>`;
  }

  private table(requests: StoredRequest[], email: string): string {
    if (!requests.length) return '<p><small>None.</small></p>';
    const rows = requests
      .map((r) => `<tr><td><a href="${BASE}/requests/${r.id}?as=${encodeURIComponent(email)}">${escapeHtml(r.title)}</a></td><td>${escapeHtml(r.requesterEmail)}</td><td>${r.signers.map((s) => escapeHtml(s.email)).join('<br>')}</td><td>${this.status(r)}</td><td>${new Date(r.createdAt).toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`)
      .join('');
    return `<table><tr><th>Title</th><th>From</th><th>Signers</th><th>Status</th><th>Created (UTC)</th></tr>${rows}</table>`;
  }

  private homePage(email: string): SandboxResponse {
    const account = this.store.requireAccount(email);
    const lower = account.email.toLowerCase();
    const inbox = this.store.inboxOf(account);
    const toSign = inbox.filter((r) => !r.canceledAt && r.signers.some((s) => s.email.toLowerCase() === lower && s.statusCode === 'awaiting_signature') && !this.store.isDeclined(r));
    const sent = inbox.filter((r) => r.requesterAccountId === account.accountId);
    const received = inbox.filter((r) => r.requesterAccountId !== account.accountId && r.signers.some((s) => s.email.toLowerCase() === lower));
    const cced = inbox.filter((r) => r.requesterAccountId !== account.accountId && !r.signers.some((s) => s.email.toLowerCase() === lower));
    let teamSection = '';
    if (account.roleCode === 'a' && account.teamId) {
      const all = this.store.listFor(this.store.teamMembers(account.teamId));
      teamSection = `<h3>Team: every member's requests (what <code>account_id=all</code> lists)</h3>${this.table(all, account.email)}`;
    }
    const body = `<p><strong>${escapeHtml(account.name)}</strong> &lt;${escapeHtml(account.email)}&gt; · API key <code>${escapeHtml(account.apiKey)}</code> · account id <code>${escapeHtml(account.accountId)}</code></p>
<h3>Waiting for your signature</h3>${this.table(toSign, account.email)}
<h3>Sent by you</h3>${this.table(sent, account.email)}
<h3>Sent to you</h3>${this.table(received, account.email)}
<h3>CC'd to you <small>(never returned by /signature_request/list)</small></h3>${this.table(cced, account.email)}
${teamSection}
<h3>New signature request</h3>
<form method="post" action="${this.home(account.email)}/send">
<p><label>Title <input type="text" name="title" required value="Quote ${this.state().counter + 1}"></label></p>
<p><label>Signers (one per line: Name &lt;email&gt;) <textarea name="signers" rows="3" style="width:100%" required></textarea></label></p>
<p><label>CC (comma-separated e-mails) <input type="text" name="cc"></label></p>
<p><label>Message <input type="text" name="message"></label></p>
<button class="primary">Send for signature</button></form>
<h3>API settings</h3>
<form method="post" action="${this.home(account.email)}/settings"><p><label>Account callback URL <input type="url" name="callback_url" value="${escapeHtml(account.callbackUrl ?? '')}"></label></p><button>Save</button></form>
<form method="post" action="${this.home(account.email)}/test-callback"><button${account.callbackUrl ? '' : ' disabled'}>Send a callback_test event</button></form>`;
    return html(200, layout(account.name, body));
  }

  private send(req: SandboxRequest): SandboxResponse {
    const account = this.store.requireAccount(req.params.email);
    const form = new URLSearchParams(req.body.toString('utf8'));
    const signers = (form.get('signers') ?? '')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const m = /^(.*?)\s*<([^>]+)>$/.exec(line);
        return m ? { name: m[1] || m[2], email: m[2].trim() } : { name: line, email: line };
      });
    if (signers.some((s) => !/^[^@\s]+@[^@\s]+$/.test(s.email))) throw new SignApiError(400, 'bad_request', 'Each signer line must be "Name <email>".');
    const title = form.get('title') || 'Untitled';
    const request = this.store.create({
      requester: account,
      title,
      message: form.get('message') || null,
      signers,
      ccEmails: (form.get('cc') ?? '').split(',').map((c) => c.trim()).filter(Boolean),
      documents: [{ name: `${title.replace(/[^\w .-]+/g, '_')}.pdf`, data: buildPdf([title, '', `Prepared by ${account.name} <${account.email}>`, `on ${new Date(this.now()).toISOString()}`]) }],
    });
    return redirect(`${BASE}/requests/${request.id}?as=${encodeURIComponent(account.email)}`, 303);
  }

  private requestPage(req: SandboxRequest): SandboxResponse {
    const request = this.store.mustFind(req.params.id);
    const as = req.url.searchParams.get('as') ?? '';
    const account = as ? this.store.accountByEmail(as) : undefined;
    const me = account?.email.toLowerCase();
    const signer = me ? request.signers.find((s) => s.email.toLowerCase() === me) : undefined;
    const open = !request.canceledAt && !this.store.isComplete(request) && !this.store.isDeclined(request);
    const action = (name: string, label: string, extra = '') =>
      `<form method="post" action="${BASE}/requests/${request.id}/${name}" style="display:inline"><input type="hidden" name="as" value="${escapeHtml(as)}">${extra}<button${name === 'sign' ? ' class="primary"' : ''}>${label}</button></form> `;
    let actions = '';
    if (open && signer?.statusCode === 'awaiting_signature') actions += action('sign', 'Sign') + action('decline', 'Decline', '<input type="text" name="reason" placeholder="Reason" style="width:200px">');
    if (open && account && account.accountId === request.requesterAccountId) {
      actions += action('cancel', 'Cancel request');
      for (const s of request.signers.filter((x) => x.statusCode === 'awaiting_signature')) actions += action('remind', `Remind ${escapeHtml(s.email)}`, `<input type="hidden" name="email" value="${escapeHtml(s.email)}">`);
    }
    const signers = request.signers
      .map((s) => `<tr><td>${escapeHtml(s.name)}</td><td>${escapeHtml(s.email)}</td><td><span class="tag ${s.statusCode === 'signed' ? 'signed' : s.statusCode === 'declined' ? 'declined' : ''}">${s.statusCode}</span>${s.declineReason ? ` — ${escapeHtml(s.declineReason)}` : ''}</td><td>${s.signedAt ? new Date(s.signedAt).toISOString() : ''}</td></tr>`)
      .join('');
    const body = `<p>${account ? `Viewing as <strong>${escapeHtml(account.email)}</strong> · <a href="${this.home(account.email)}">back</a>` : `<a href="${BASE}">Accounts</a>`}</p>
<p>${this.status(request)} · from ${escapeHtml(request.requesterEmail)} · id <code>${request.id}</code>${request.clientId ? ` · app <code>${escapeHtml(request.clientId)}</code>` : ''}</p>
${request.message ? `<p>${escapeHtml(request.message)}</p>` : ''}
<table><tr><th>Signer</th><th>E-mail</th><th>Status</th><th>Signed at</th></tr>${signers}</table>
<p>CC: ${request.ccEmails.map(escapeHtml).join(', ') || '—'}</p>
<p><a href="${BASE}/requests/${request.id}/file" target="_blank">Open the current PDF</a></p>
<p>${actions}</p>`;
    // Opening the request as a signer counts as a view, like the vendor's signing page.
    if (signer && open) this.store.view(request.id, signer.email);
    return html(200, layout(request.title, body));
  }

  private act(req: SandboxRequest): SandboxResponse {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const as = form.get('as') ?? '';
    const account = this.store.requireAccount(as);
    const id = req.params.id;
    switch (req.params.action) {
      case 'sign':
        this.store.sign(id, account.email);
        break;
      case 'decline':
        this.store.decline(id, account.email, form.get('reason') ?? '');
        break;
      case 'cancel':
        this.store.cancel(id, account);
        break;
      case 'remind':
        this.store.remind(id, account, form.get('email') ?? '');
        break;
      default:
        throw new SignApiError(404, 'not_found', 'Unknown action.');
    }
    return redirect(req.params.action === 'cancel' ? this.home(account.email) : `${BASE}/requests/${id}?as=${encodeURIComponent(account.email)}`, 303);
  }
}

