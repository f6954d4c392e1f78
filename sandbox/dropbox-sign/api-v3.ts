/**
 * Dropbox Sign API v3 (reference §3.2–3.5) under `/dropbox-sign/v3`. Auth: HTTP Basic with the API key
 * as user, or an OAuth bearer token (scopes enforced). Every answer carries the rate-limit headers.
 */
import { randomBytes } from 'node:crypto';
import { bearer, basicAuth, json, Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { SlidingWindow } from '../lib/faults';
import type { SandboxContext } from '../lib/types';
import { buildZip } from './pdf';
import { asBool, asList, asString, readParams, type UploadedFile } from './request-params';
import { SignApiError, badRequest, conflict, forbidden, notFound, unauthorized } from './sign-errors';
import type { SignAccount, SignState, StoredRequest, OAuthGrant } from './sign-state';
import type { SignStore } from './sign-store';
import { TEAM_ROLE_NAMES, wireAccount, wireSignatureRequest } from './wire';

export type Caller = { account: SignAccount; grant: OAuthGrant | null };
type ApiRequest = SandboxRequest & { caller: Caller };

const HIGH_TIER = /^\/signature_request\/(send|files)/;
const MAX_FILE_URL_BYTES = 40 * 1024 * 1024;

export class SignApiV3 {
  private router = new Router();
  private standard: SlidingWindow;
  private highTier: SlidingWindow;
  private testMode: SlidingWindow;
  readonly requestCounts = new Map<string, number>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => SignState,
    private readonly store: SignStore,
    private readonly apiBase: () => string,
    private readonly webBase: () => string,
    private readonly prefixUrl: () => string,
  ) {
    this.standard = new SlidingWindow(state().config.rateLimitStandard, 60_000);
    this.highTier = new SlidingWindow(state().config.rateLimitHighTier, 60_000);
    this.testMode = new SlidingWindow(state().config.rateLimitTestMode, 60_000);
    this.routes();
  }

  resetLimits(): void {
    const c = this.state().config;
    this.standard = new SlidingWindow(c.rateLimitStandard, 60_000);
    this.highTier = new SlidingWindow(c.rateLimitHighTier, 60_000);
    this.testMode = new SlidingWindow(c.rateLimitTestMode, 60_000);
  }

  /** `path` is relative to /v3. */
  async handle(req: Omit<SandboxRequest, 'params'>, path: string): Promise<SandboxResponse> {
    let limitHeaders: Record<string, string> = {};
    try {
      const caller = this.authenticate(req);
      this.requestCounts.set(caller.account.email, (this.requestCounts.get(caller.account.email) ?? 0) + 1);
      const isTest = req.method === 'POST' && /test_mode["=:\s]*(true|1)/.test(req.body.subarray(0, 64 * 1024).toString('latin1'));
      const window = isTest ? this.testMode : HIGH_TIER.test(path) ? this.highTier : this.standard;
      const now = this.ctx.now();
      const hit = window.hit(`${caller.account.accountId}`, now);
      limitHeaders = {
        'X-RateLimit-Limit': String(window.limit),
        'X-RateLimit-Remaining': String(hit.remaining),
        'X-Ratelimit-Reset': String(Math.ceil(hit.resetAt / 1000)),
      };
      if (!hit.allowed) throw new SignApiError(429, 'exceeded_rate', 'Too many requests.');
      this.store.settle();
      const response = await this.router.handle({ ...req, path, caller } as ApiRequest);
      if (!response) throw notFound();
      return { ...response, headers: { ...limitHeaders, ...response.headers } };
    } catch (error) {
      if (!(error instanceof SignApiError)) throw error;
      error.headers = { ...limitHeaders, ...error.headers };
      throw error;
    }
  }

  authenticate(req: Pick<SandboxRequest, 'headers'>): Caller {
    const basic = basicAuth(req.headers);
    if (basic) {
      const account = this.store.accountByApiKey(basic[0]);
      if (!account) throw unauthorized('Unauthorized api key.');
      return { account, grant: null };
    }
    const token = bearer(req.headers);
    if (token) {
      const grant = this.state().grants[token];
      if (!grant || grant.revoked) throw unauthorized('Invalid access token.');
      if (grant.accessExpiresAt <= this.ctx.now()) throw unauthorized('Access token expired.');
      const account = this.store.accountById(grant.accountId);
      if (!account) throw unauthorized('Invalid access token.');
      return { account, grant };
    }
    throw unauthorized();
  }

  private requireScope(caller: Caller, ...anyOf: string[]): void {
    if (!caller.grant) return;
    if (!anyOf.some((s) => caller.grant!.scopes.includes(s)))
      throw forbidden(`This access token is missing the scope ${anyOf.join(' or ')}.`);
  }

  private routes(): void {
    const r = this.router;
    const h = (fn: (req: ApiRequest) => SandboxResponse | Promise<SandboxResponse>) => (req: SandboxRequest) => fn(req as ApiRequest);

    r.get('/account', h((req) => {
      this.requireScope(req.caller, 'basic_account_info', 'account_access');
      const id = req.url.searchParams.get('account_id');
      const email = req.url.searchParams.get('email_address');
      let account = req.caller.account;
      if (id || email) {
        const found = id ? this.store.accountById(id) : this.store.accountByEmail(email!);
        if (!found) throw notFound('Account not found.');
        const sameTeam = found.teamId && found.teamId === req.caller.account.teamId;
        if (found.accountId !== account.accountId && !sameTeam) throw forbidden('You do not have access to this account.');
        account = found;
      }
      return json(200, { account: wireAccount(account, this.state()) });
    }));

    r.put('/account', h((req) => {
      this.requireScope(req.caller, 'account_access');
      const { fields } = readParams(req);
      const account = req.caller.account;
      if ('callback_url' in fields) {
        const value = asString(fields.callback_url) ?? '';
        if (value && !/^https?:\/\/[^\s]+$/i.test(value)) throw badRequest('Invalid callback_url.', 'callback_url');
        account.callbackUrl = value || null;
      }
      if (asString(fields.locale)) account.locale = asString(fields.locale)!;
      return json(200, { account: wireAccount(account, this.state()) });
    }));

    r.get('/team', h((req) => {
      this.requireScope(req.caller, 'team_access', 'account_access');
      const teamId = req.caller.account.teamId;
      const team = teamId ? this.state().teams[teamId] : undefined;
      if (!team) throw notFound('Team not found.');
      const members = this.store.teamMembers(team.teamId);
      return json(200, {
        team: {
          name: team.name,
          accounts: members.map((m) => ({ account_id: m.accountId, email_address: m.email, is_locked: false, is_paid_hs: m.isPaid, is_paid_hf: false, role_code: m.roleCode })),
          invited_accounts: [],
          invited_emails: [],
        },
      });
    }));

    // PUT /team {name}: team admins rename their team (the SDK's teamUpdate; JSON or form body).
    r.put('/team', h((req) => {
      this.requireScope(req.caller, 'team_access', 'account_access');
      const teamId = req.caller.account.teamId;
      const team = teamId ? this.state().teams[teamId] : undefined;
      if (!team) throw notFound('Team not found.');
      if (req.caller.account.roleCode !== 'a') throw forbidden('Only team admins can update the team.');
      const name = asString(readParams(req).fields.name)?.trim();
      if (!name) throw badRequest('Missing name.', 'name');
      team.name = name;
      const members = this.store.teamMembers(team.teamId);
      return json(200, {
        team: {
          name: team.name,
          accounts: members.map((m) => ({ account_id: m.accountId, email_address: m.email, is_locked: false, is_paid_hs: m.isPaid, is_paid_hf: false, role_code: m.roleCode })),
          invited_accounts: [],
          invited_emails: [],
        },
      });
    }));

    r.get('/team/info', h((req) => {
      this.requireScope(req.caller, 'team_access', 'account_access');
      const team = this.teamFor(req.caller, req.url.searchParams.get('team_id'));
      const members = this.store.teamMembers(team.teamId);
      return json(200, { team: { team_id: team.teamId, team_parent: null, name: team.name, num_members: members.length, num_sub_teams: 0 } });
    }));

    r.get('/team/members/:teamId', h((req) => {
      this.requireScope(req.caller, 'team_access', 'account_access');
      const team = this.teamFor(req.caller, req.params.teamId);
      const { page, pageSize } = paging(req);
      const members = this.store.teamMembers(team.teamId);
      return json(200, {
        team_members: members.slice((page - 1) * pageSize, page * pageSize).map((m) => ({ account_id: m.accountId, email_address: m.email, role: TEAM_ROLE_NAMES[m.roleCode ?? 'm'] })),
        list_info: listInfo(page, pageSize, members.length),
      });
    }));

    r.get('/signature_request/list', h((req) => {
      this.requireScope(req.caller, 'request_signature', 'signature_request_access');
      const { page, pageSize } = paging(req);
      const scopeAccounts = this.listScope(req.caller, req.url.searchParams.get('account_id'));
      const query = req.url.searchParams.get('query');
      let requests = this.store.listFor(scopeAccounts);
      if (query) requests = requests.filter((x) => matchesQuery(x, query, req.caller.account, this.store));
      return json(200, {
        signature_requests: requests.slice((page - 1) * pageSize, page * pageSize).map((x) => this.wire(x)),
        list_info: listInfo(page, pageSize, requests.length),
      });
    }));

    r.post('/signature_request/send', h((req) => this.send(req)));

    r.get('/signature_request/files/:id', h((req) => {
      const request = this.readyRequest(req);
      const type = req.url.searchParams.get('file_type') ?? 'pdf';
      if (type !== 'pdf' && type !== 'zip') throw badRequest('file_type must be pdf or zip.', 'file_type');
      return this.fileResponse(request, type, false);
    }));

    r.get('/signature_request/files_as_data_uri/:id', h((req) => {
      const request = this.readyRequest(req);
      const pdf = this.mergedPdf(request);
      return json(200, { data_uri: `data:application/pdf;base64,${pdf.toString('base64')}` });
    }));

    r.get('/signature_request/files_as_file_url/:id', h((req) => {
      const request = this.readyRequest(req);
      for (const [key, link] of Object.entries(this.state().fileLinks)) if (link.expiresAt <= this.ctx.now()) delete this.state().fileLinks[key];
      const token = randomBytes(24).toString('hex');
      const expiresAt = this.ctx.now() + 60 * 60 * 1000;
      this.state().fileLinks[token] = { requestId: request.id, expiresAt, forceDownload: asBool(req.url.searchParams.get('force_download') ?? '1') };
      return json(200, { file_url: `${this.prefixUrl()}/_files/${token}`, expires_at: Math.floor(expiresAt / 1000) });
    }));

    r.get('/signature_request/:id', h((req) => {
      this.requireScope(req.caller, 'request_signature', 'signature_request_access');
      return json(200, { signature_request: this.wire(this.store.getVisible(req.params.id, req.caller.account)) });
    }));

    r.post('/signature_request/cancel/:id', h((req) => {
      this.requireScope(req.caller, 'request_signature');
      this.store.cancel(req.params.id, req.caller.account);
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '' };
    }));

    r.post('/signature_request/remind/:id', h((req) => {
      this.requireScope(req.caller, 'request_signature');
      const { fields } = readParams(req);
      const email = asString(fields.email_address);
      if (!email) throw badRequest('email_address is required.', 'email_address');
      return json(200, { signature_request: this.wire(this.store.remind(req.params.id, req.caller.account, email)) });
    }));
  }

  /** Signed file links handed out by files_as_file_url (no auth, like the vendor's CDN links). */
  fileLink(token: string): SandboxResponse {
    const link = this.state().fileLinks[token];
    if (!link || link.expiresAt <= this.ctx.now()) return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'Link expired.' };
    const request = this.store.mustFind(link.requestId);
    return this.fileResponse(request, 'pdf', link.forceDownload);
  }

  private wire(request: StoredRequest) {
    return wireSignatureRequest(request, this.apiBase(), this.webBase());
  }

  private teamFor(caller: Caller, teamId: string | null) {
    const id = teamId ?? caller.account.teamId;
    if (!id || id !== caller.account.teamId) throw notFound('Team not found.');
    const team = this.state().teams[id];
    if (!team) throw notFound('Team not found.');
    return team;
  }

  /** `account_id`: omitted → the caller; `all` → every member (team admins only); an id → that member (admins). */
  private listScope(caller: Caller, accountId: string | null): SignAccount[] {
    const me = caller.account;
    if (!accountId || accountId === me.accountId) return [me];
    if (!me.teamId || me.roleCode !== 'a') throw forbidden('Only team admins can list requests of other team members (account_id).');
    if (accountId === 'all') return this.store.teamMembers(me.teamId);
    const member = this.store.accountById(accountId);
    if (!member || member.teamId !== me.teamId) throw notFound('Account not found in your team.');
    return [member];
  }

  private readyRequest(req: ApiRequest): StoredRequest {
    this.requireScope(req.caller, 'request_signature', 'signature_request_access');
    const request = this.store.getVisible(req.params.id, req.caller.account);
    if (!this.store.filesReady(request)) throw conflict('Files are still being processed. Please try again later.');
    return request;
  }

  private mergedPdf(request: StoredRequest): Buffer {
    // One document is the common case; several are concatenated as separate files in the zip only.
    return this.store.currentFiles(request)[0].data;
  }

  private fileResponse(request: StoredRequest, type: 'pdf' | 'zip', attachment: boolean): SandboxResponse {
    const files = this.store.currentFiles(request);
    const baseName = request.title.replace(/[^\w .-]+/g, '_').trim() || request.id;
    if (type === 'zip') {
      const zip = buildZip(files.map((f) => ({ name: f.name.toLowerCase().endsWith('.pdf') ? f.name : `${f.name}.pdf`, data: f.data })));
      return { status: 200, headers: { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${baseName}.zip"` }, body: zip };
    }
    const pdf = this.mergedPdf(request);
    return {
      status: 200,
      headers: { 'content-type': 'application/pdf', 'content-length': String(pdf.length), 'content-disposition': `${attachment ? 'attachment' : 'inline'}; filename="${baseName}.pdf"` },
      body: pdf,
    };
  }

  private async send(req: ApiRequest): Promise<SandboxResponse> {
    this.requireScope(req.caller, 'request_signature');
    const { fields, files } = readParams(req);
    const signers = asList(fields.signers).map((raw, i) => {
      const s = (raw ?? {}) as Record<string, unknown>;
      const email = asString(s.email_address);
      const name = asString(s.name);
      if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw badRequest(`Signer ${i}: email_address is invalid.`, `signers[${i}].email_address`);
      if (!name) throw badRequest(`Signer ${i}: name is required.`, `signers[${i}].name`);
      const order = s.order === undefined || s.order === null || s.order === '' ? null : Number(s.order);
      return { email, name, order: Number.isFinite(order) ? order : null };
    });
    if (!signers.length) throw badRequest('Must specify at least one signer.', 'signers');
    const fileUrls = asList(fields.file_urls).map((u) => asString(u) ?? '');
    if (files.length && fileUrls.length) throw badRequest('Specify files or file_urls, not both.', 'file_urls');
    const documents = files.length ? files : await this.fetchFileUrls(fileUrls);
    if (!documents.length) throw badRequest('Must specify files or file_urls.', 'files');
    let metadata: Record<string, unknown> = {};
    if (fields.metadata !== undefined) {
      if (typeof fields.metadata !== 'object' || fields.metadata === null || Array.isArray(fields.metadata)) throw badRequest('metadata must be an object.', 'metadata');
      metadata = fields.metadata as Record<string, unknown>;
      if (Object.keys(metadata).length > 10) throw badRequest('metadata may hold at most 10 keys.', 'metadata');
    }
    let clientId = req.caller.grant?.clientId ?? null;
    const requestedClient = asString(fields.client_id);
    if (requestedClient) {
      const app = this.state().apps[requestedClient];
      if (!app) throw badRequest('Invalid client_id.', 'client_id');
      clientId = requestedClient;
    }
    const request = this.store.create({
      requester: req.caller.account,
      title: asString(fields.title) ?? '',
      subject: asString(fields.subject) ?? null,
      message: asString(fields.message) ?? null,
      signers,
      ccEmails: asList(fields.cc_email_addresses).map((c) => asString(c) ?? '').filter(Boolean),
      documents: documents.map((d) => ({ name: d.name, data: d.data })),
      metadata,
      testMode: asBool(fields.test_mode),
      clientId,
    });
    return json(200, { signature_request: this.wire(request) });
  }

  /** The vendor fetches file_urls itself; the emulator does it during the call. */
  private async fetchFileUrls(urls: string[]): Promise<UploadedFile[]> {
    const out: UploadedFile[] = [];
    for (const [i, url] of urls.entries()) {
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      } catch (error) {
        throw badRequest(`Could not download file_urls[${i}]: ${(error as Error).message}`, `file_urls[${i}]`);
      }
      if (!response.ok) throw badRequest(`Could not download file_urls[${i}] (HTTP ${response.status}).`, `file_urls[${i}]`);
      const data = Buffer.from(await response.arrayBuffer());
      if (data.length > MAX_FILE_URL_BYTES) throw badRequest(`file_urls[${i}] is too large.`, `file_urls[${i}]`);
      const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || `document-${i + 1}.pdf`);
      out.push({ name, contentType: response.headers.get('content-type') ?? 'application/pdf', data });
    }
    return out;
  }
}

function paging(req: SandboxRequest): { page: number; pageSize: number } {
  const rawPage = req.url.searchParams.get('page');
  const rawSize = req.url.searchParams.get('page_size');
  const page = rawPage === null ? 1 : Number(rawPage);
  const pageSize = rawSize === null ? 20 : Number(rawSize);
  if (!Number.isInteger(page) || page < 1) throw badRequest('page must be a positive integer.', 'page');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw badRequest('page_size must be between 1 and 100.', 'page_size');
  return { page, pageSize };
}

function listInfo(page: number, pageSize: number, total: number) {
  return { page, num_pages: Math.max(1, Math.ceil(total / pageSize)), num_results: total, page_size: pageSize };
}

/**
 * The documented search subset (reference §3.2): unfielded terms match title/subject/message/from/
 * to/filename; `title:`, `from:`, `to:` (`me` allowed), `complete:true|false`; `AND`/`OR`
 * (case-sensitive, AND binds tighter).
 */
export function matchesQuery(request: StoredRequest, query: string, me: SignAccount, store: SignStore): boolean {
  return query.split(' OR ').some((group) =>
    group.split(' AND ').every((rawTerm) => {
      const term = rawTerm.trim();
      if (!term) return true;
      const m = /^(\w+):(.*)$/.exec(term);
      const field = m?.[1].toLowerCase();
      const value = (m ? m[2] : term).trim().toLowerCase();
      const resolve = (v: string) => (v === 'me' ? me.email.toLowerCase() : v);
      const to = request.signers.map((s) => `${s.name} ${s.email}`.toLowerCase());
      switch (field) {
        case 'title':
          return request.title.toLowerCase().includes(value);
        case 'from':
          return request.requesterEmail.toLowerCase().includes(resolve(value));
        case 'to':
          return to.some((t) => t.includes(resolve(value)));
        case 'complete':
          return store.isComplete(request) === (value === 'true');
        default: {
          const haystack = [request.title, request.subject ?? '', request.message ?? '', request.requesterEmail, ...to, ...request.documents.map((d) => d.name), JSON.stringify(request.metadata)]
            .join(' ')
            .toLowerCase();
          return haystack.includes((m ? term : value).toLowerCase());
        }
      }
    }),
  );
}
