/**
 * The emulated Teamleader Focus web app: dashboard, contacts (list, detail with edit form, create,
 * delete), companies and the Marketplace listing of Synclane. Saving goes through the same store
 * methods as the API, so it bumps `updated_at`, checks permissions and fires webhooks identically.
 */
import { escapeHtml, readForm, redirect, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import { parseMultipart } from '../lib/multipart';
import { mimeFor } from './api-files';
import { TeamleaderError } from './errors';
import { randomId } from './ids';
import { currentUser, currentUserCookie, PREFIX, renderPage } from './host-layout';
import type { OAuthServer } from './oauth-server';
import type { TeamleaderStore } from './store';
import type { ContactRecord, TeamleaderUser } from './types';

const PAGE_SIZE = 50;
const FORM_ROWS = 3;

const fullName = (c: { first_name: string | null; last_name: string }) => [c.first_name, c.last_name].filter(Boolean).join(' ');

export class HostPages {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly store: TeamleaderStore,
    private readonly oauth: OAuthServer,
  ) {}

  register(router: Router): void {
    router.get('/', (req) => this.home(req));
    router.post('/switch-user', (req) => this.switchUser(req));
    router.get('/contacts', (req) => this.contactList(req));
    router.post('/contacts', (req) => this.createContact(req));
    router.get('/contacts/new', (req) => this.contactForm(req, null));
    router.get('/contacts/:id', (req) => this.contactDetail(req));
    router.post('/contacts/:id', (req) => this.saveContact(req));
    router.post('/contacts/:id/delete', (req) => this.deleteContact(req));
    router.get('/companies', (req) => this.companyList(req));
    router.get('/companies/:id', (req) => this.companyDetail(req));
    router.post('/contacts/:id/files', (req) => this.uploadFile(req, 'contact'));
    router.post('/companies/:id/files', (req) => this.uploadFile(req, 'company'));
    router.get('/files/:id/download', (req) => this.downloadFile(req));
    router.post('/files/:id/delete', (req) => this.deleteFile(req));
    router.get('/marketplace', (req) => this.marketplace(req));
    router.post('/marketplace/uninstall', (req) => this.uninstall(req));
  }

  private page(req: SandboxRequest, options: { title: string; active?: 'home' | 'contacts' | 'companies' | 'marketplace'; body: string; status?: number }) {
    return renderPage({ ...options, user: currentUser(req, this.store), store: this.store, back: `${PREFIX}${req.path === '/' ? '' : req.path}` });
  }

  private notFound(req: SandboxRequest, what: string): SandboxResponse {
    return this.page(req, { title: 'Not found', status: 404, body: `<div class="card"><h1>${escapeHtml(what)} not found</h1><p>It may have been deleted.</p></div>` });
  }

  // ---- home & user switcher -------------------------------------------------------------------------

  private home(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const account = this.store.account(user.account_id);
    return this.page(req, {
      title: 'Dashboard',
      active: 'home',
      body: `<h1>Good day, ${escapeHtml(user.first_name)}</h1>
<p class="muted">${escapeHtml(account?.name ?? '')} · signed in as ${escapeHtml(`${user.first_name} ${user.last_name}`)} (${user.role}${user.can_add_contacts ? '' : ', cannot add contacts'})</p>
<div class="tiles">
<a class="card" href="${PREFIX}/marketplace"><h2>Marketplace</h2><p class="muted">Install and manage integrations such as Synclane.</p></a>
<a class="card" href="${PREFIX}/contacts"><h2>Contacts</h2><p class="muted">${this.store.contactsOf(user.account_id).length} contacts</p></a>
<a class="card" href="${PREFIX}/companies"><h2>Companies</h2><p class="muted">${this.store.companiesOf(user.account_id).length} companies</p></a>
</div>`,
    });
  }

  private switchUser(req: SandboxRequest): SandboxResponse {
    const form = readForm(req);
    const user = this.store.user(form.get('user_id') ?? '');
    const back = form.get('back') ?? PREFIX;
    const target = back.startsWith(`${PREFIX}`) ? back : PREFIX;
    if (!user) return redirect(target, 303);
    return { status: 303, headers: { location: target, 'set-cookie': currentUserCookie(user.id) }, body: '' };
  }

  // ---- contacts -----------------------------------------------------------------------------------

  private contactList(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const q = (req.url.searchParams.get('q') ?? '').trim().toLowerCase();
    const pageNumber = Math.max(1, Number(req.url.searchParams.get('page')) || 1);
    const all = this.store.sortedContacts(user.account_id, [{ field: 'name', order: 'asc' }]);
    const matches = q
      ? all.filter((c) => fullName(c).toLowerCase().includes(q) || c.emails.some((e) => e.email.toLowerCase().includes(q)) || c.telephones.some((t) => t.number.includes(q)))
      : all;
    const rows = matches.slice((pageNumber - 1) * PAGE_SIZE, pageNumber * PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(matches.length / PAGE_SIZE));
    const link = (n: number) => `${PREFIX}/contacts?page=${n}${q ? `&q=${encodeURIComponent(q)}` : ''}`;
    return this.page(req, {
      title: 'Contacts',
      active: 'contacts',
      body: `<div class="row" style="align-items:center;justify-content:space-between"><h1>Contacts</h1>
${user.can_add_contacts ? `<a class="btn" href="${PREFIX}/contacts/new">Add contact</a>` : ''}</div>
<div class="card"><form method="get" action="${PREFIX}/contacts" class="row"><label>Search<input name="q" value="${escapeHtml(q)}" placeholder="Name, e-mail or phone"></label></form>
<table><thead><tr><th>Name</th><th>E-mail</th><th>Telephone</th><th>Company</th><th>Updated</th></tr></thead><tbody>
${rows
  .map((c) => {
    const company = c.companies[0] && this.store.getCompany(user.account_id, c.companies[0].company_id);
    return `<tr><td><a href="${PREFIX}/contacts/${c.id}">${escapeHtml(fullName(c))}</a></td><td>${escapeHtml(c.emails[0]?.email ?? '')}</td>
<td>${escapeHtml(c.telephones[0]?.number ?? '')}</td><td>${company ? escapeHtml(company.name) : ''}</td><td class="muted">${escapeHtml(c.updated_at)}</td></tr>`;
  })
  .join('')}
</tbody></table>
<div class="pager"><span class="muted">${matches.length} contacts · page ${pageNumber} of ${pages}</span>
${pageNumber > 1 ? `<a class="btn secondary" href="${link(pageNumber - 1)}">Previous</a>` : ''}${pageNumber < pages ? `<a class="btn secondary" href="${link(pageNumber + 1)}">Next</a>` : ''}</div></div>`,
    });
  }

  private contactDetail(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const contact = this.store.getContact(user.account_id, req.params.id);
    if (!contact) return this.notFound(req, 'Contact');
    return this.contactForm(req, contact);
  }

  private contactForm(req: SandboxRequest, contact: ContactRecord | null, error?: TeamleaderError, status = 200): SandboxResponse {
    const user = currentUser(req, this.store);
    if (!contact && !user.can_add_contacts && !error) {
      return this.page(req, { title: 'No permission', status: 403, body: `<div class="card"><p class="error">You do not have the permission to add contacts</p></div>` });
    }
    const flash = req.url.searchParams.get('saved') ? `<div class="flash">Contact saved.</div>` : '';
    const link = contact?.companies[0];
    const primary = contact?.addresses.find((a) => a.type === 'primary')?.address;
    const input = (name: string, label: string, value: string | null | undefined, type = 'text') =>
      `<label>${label}<input type="${type}" name="${name}" value="${escapeHtml(value ?? '')}"></label>`;
    const emailRows = Array.from({ length: FORM_ROWS }, (_, i) => input(`email_${i}`, `E-mail ${i + 1}`, contact?.emails[i]?.email, 'email')).join('');
    const phoneRows = Array.from({ length: FORM_ROWS }, (_, i) => {
      const phone = contact?.telephones[i];
      return `<div class="row"><label>Telephone ${i + 1}<input name="telephone_${i}" value="${escapeHtml(phone?.number ?? '')}"></label>
<label style="max-width:160px">Type<select name="telephone_type_${i}">${['phone', 'mobile', 'fax']
        .map((t) => `<option value="${t}"${(phone?.type ?? 'phone') === t ? ' selected' : ''}>${t}</option>`)
        .join('')}</select></label></div>`;
    }).join('');
    const companies = this.store.companiesOf(user.account_id);
    const action = contact ? `${PREFIX}/contacts/${contact.id}` : `${PREFIX}/contacts`;
    const body = `<p><a href="${PREFIX}/contacts">← Contacts</a></p>
<h1>${contact ? escapeHtml(fullName(contact)) : 'New contact'}</h1>${flash}${error ? `<div class="error">${escapeHtml(error.message)}</div>` : ''}
${contact ? `<p class="muted">Added ${escapeHtml(contact.added_at)} · updated ${escapeHtml(contact.updated_at)}${contact.tags.map((t) => ` <span class="tag">${escapeHtml(t)}</span>`).join('')}</p>` : ''}
<form method="post" action="${action}" class="card"><h2>Details</h2>
<div class="row">${input('first_name', 'First name', contact?.first_name)}${input('last_name', 'Last name', contact?.last_name)}</div>
<div class="row">${emailRows}</div>${phoneRows}
<div class="row"><label>Company<select name="company_id"><option value="">— none —</option>${companies
      .map((c) => `<option value="${c.id}"${link?.company_id === c.id ? ' selected' : ''}>${escapeHtml(c.name)}</option>`)
      .join('')}</select></label>${input('position', 'Function / position', link?.position)}</div>
<div class="row">${input('birthdate', 'Birthdate', contact?.birthdate, 'date')}</div>
<h2>Address</h2><div class="row">${input('address_line_1', 'Street and number', primary?.line_1)}${input('address_postal_code', 'Postal code', primary?.postal_code)}
${input('address_city', 'City', primary?.city)}${input('address_country', 'Country (ISO code)', primary?.country ?? 'BE')}</div>
<label>Remarks<textarea name="remarks">${escapeHtml(contact?.remarks ?? '')}</textarea></label>
<button class="btn">${contact ? 'Save' : 'Add contact'}</button></form>
${contact ? this.filesCard(user.account_id, { type: 'contact', id: contact.id }) : ''}
${contact ? `<form method="post" action="${PREFIX}/contacts/${contact.id}/delete" class="card" onsubmit="return confirm('Delete this contact?')"><h2>Danger zone</h2><button class="btn danger">Delete contact</button></form>` : ''}`;
    return this.page(req, { title: contact ? fullName(contact) : 'New contact', active: 'contacts', body, status });
  }

  /** Turns the edit form into a `contacts.add`/`contacts.update` body (collections complete, as the API expects). */
  private formToBody(form: URLSearchParams, existing: ContactRecord | null): Record<string, unknown> {
    const text = (name: string) => (form.get(name) ?? '').trim();
    const rows = Array.from({ length: FORM_ROWS }, (_, i) => i);
    const line_1 = text('address_line_1');
    const postal_code = text('address_postal_code');
    const city = text('address_city');
    const country = text('address_country').toUpperCase();
    const others = (existing?.addresses ?? []).filter((a) => a.type !== 'primary');
    const hasAddress = Boolean(line_1 || postal_code || city);
    return {
      first_name: text('first_name') || null,
      last_name: text('last_name'),
      emails: rows.map((i) => text(`email_${i}`)).filter(Boolean).map((email) => ({ type: 'primary', email })),
      telephones: rows
        .filter((i) => text(`telephone_${i}`))
        .map((i) => ({ type: text(`telephone_type_${i}`) || 'phone', number: text(`telephone_${i}`) })),
      birthdate: text('birthdate') || null,
      remarks: text('remarks') || null,
      addresses: [
        ...(hasAddress ? [{ type: 'primary', address: { line_1, postal_code, city, country } }] : []),
        ...others.map((a) => ({ type: a.type, address: { ...a.address } })),
      ],
    };
  }

  /** Applies the company select + position of the form (link, relink or update the position). */
  private applyCompanyLink(user: TeamleaderUser, contact: ContactRecord, form: URLSearchParams): void {
    const companyId = (form.get('company_id') ?? '').trim();
    const position = (form.get('position') ?? '').trim() || null;
    const current = contact.companies[0];
    if (current && current.company_id !== companyId) this.store.unlinkContactFromCompany(user.account_id, contact.id, current.company_id, user.id);
    if (!companyId) return;
    if (current?.company_id === companyId) {
      if (current.position !== position) this.store.updateCompanyLink(user.account_id, contact.id, { company_id: companyId, position }, user.id);
    } else {
      this.store.linkContactToCompany(user.account_id, contact.id, { company_id: companyId, position }, user.id);
    }
  }

  private createContact(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const form = readForm(req);
    try {
      const contact = this.store.createContact(user.account_id, this.formToBody(form, null), user.id);
      this.applyCompanyLink(user, contact, form);
      return redirect(`${PREFIX}/contacts/${contact.id}?saved=1`, 303);
    } catch (error) {
      if (!(error instanceof TeamleaderError)) throw error;
      return this.contactForm(req, null, error, error.status);
    }
  }

  private saveContact(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const contact = this.store.getContact(user.account_id, req.params.id);
    if (!contact) return this.notFound(req, 'Contact');
    const form = readForm(req);
    try {
      this.store.updateContact(user.account_id, contact.id, this.formToBody(form, contact), user.id);
      this.applyCompanyLink(user, contact, form);
      return redirect(`${PREFIX}/contacts/${contact.id}?saved=1`, 303);
    } catch (error) {
      if (!(error instanceof TeamleaderError)) throw error;
      return this.contactForm(req, contact, error, error.status);
    }
  }

  private deleteContact(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const contact = this.store.getContact(user.account_id, req.params.id);
    if (!contact) return this.notFound(req, 'Contact');
    try {
      this.store.deleteContact(user.account_id, contact.id, user.id);
      return redirect(`${PREFIX}/contacts`, 303);
    } catch (error) {
      if (!(error instanceof TeamleaderError)) throw error;
      return this.contactForm(req, contact, error, error.status);
    }
  }

  // ---- companies ----------------------------------------------------------------------------------

  private companyList(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const companies = this.store.companiesOf(user.account_id).sort((a, b) => a.name.localeCompare(b.name));
    return this.page(req, {
      title: 'Companies',
      active: 'companies',
      body: `<h1>Companies</h1><div class="card"><table><thead><tr><th>Name</th><th>Telephone</th><th>E-mail</th><th>City</th></tr></thead><tbody>
${companies
  .map((c) => {
    const city = c.addresses.find((a) => a.type === 'primary')?.address.city ?? '';
    return `<tr><td><a href="${PREFIX}/companies/${c.id}">${escapeHtml(c.name)}</a></td><td>${escapeHtml(c.telephones[0]?.number ?? '')}</td><td>${escapeHtml(c.emails[0]?.email ?? '')}</td><td>${escapeHtml(city)}</td></tr>`;
  })
  .join('')}</tbody></table></div>`,
    });
  }

  private companyDetail(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const company = this.store.getCompany(user.account_id, req.params.id);
    if (!company) return this.notFound(req, 'Company');
    const people = this.store.contactsOf(user.account_id).filter((c) => c.companies.some((l) => l.company_id === company.id));
    const address = company.addresses.find((a) => a.type === 'primary')?.address;
    return this.page(req, {
      title: company.name,
      active: 'companies',
      body: `<p><a href="${PREFIX}/companies">← Companies</a></p><h1>${escapeHtml(company.name)}</h1>
<div class="card"><h2>Details</h2><table><tbody>
<tr><th>Telephones</th><td>${company.telephones.map((t) => `${escapeHtml(t.number)} <span class="muted">(${t.type})</span>`).join('<br>')}</td></tr>
<tr><th>E-mails</th><td>${company.emails.map((e) => escapeHtml(e.email)).join('<br>')}</td></tr>
<tr><th>Website</th><td>${escapeHtml(company.website ?? '')}</td></tr><tr><th>VAT</th><td>${escapeHtml(company.vat_number ?? '')}</td></tr>
<tr><th>Address</th><td>${address ? escapeHtml(`${address.line_1 ?? ''}, ${address.postal_code ?? ''} ${address.city ?? ''}, ${address.country}`) : ''}</td></tr>
</tbody></table></div>
<div class="card"><h2>Contacts</h2><table><tbody>${people
        .map((c) => `<tr><td><a href="${PREFIX}/contacts/${c.id}">${escapeHtml(fullName(c))}</a></td><td class="muted">${escapeHtml(c.companies.find((l) => l.company_id === company.id)?.position ?? '')}</td></tr>`)
        .join('')}</tbody></table></div>
${this.filesCard(user.account_id, { type: 'company', id: company.id })}`,
    });
  }

  // ---- files (reference §4.6): grouped by their one-level folder; upload with an optional folder, delete ----

  private recordPath(subject: { type: string; id: string }): string {
    return `${PREFIX}/${subject.type === 'contact' ? 'contacts' : 'companies'}/${subject.id}`;
  }

  private filesCard(accountId: string, subject: { type: 'contact' | 'company'; id: string }): string {
    const files = Object.values(this.store.state.files)
      .filter((f) => f.account_id === accountId && f.subject.type === subject.type && f.subject.id === subject.id)
      .sort((a, b) => a.folder.localeCompare(b.folder) || a.name.localeCompare(b.name));
    const back = this.recordPath(subject);
    const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
    const rows = files
      .map((f) => `<tr><td class="muted">${escapeHtml(f.folder)}</td><td><a href="${PREFIX}/files/${f.id}/download">${escapeHtml(f.name)}</a></td><td class="muted">${size(f.size)}</td><td class="muted">${escapeHtml(f.updated_at)}</td>
<td><form method="post" action="${PREFIX}/files/${f.id}/delete" onsubmit="return confirm('Delete this file?')"><input type="hidden" name="returnTo" value="${escapeHtml(back)}"><button class="btn danger" aria-label="Delete ${escapeHtml(f.name)}">Delete</button></form></td></tr>`)
      .join('');
    return `<div class="card" id="files"><h2>Files (${files.length})</h2>
${files.length ? `<table><thead><tr><th>Folder</th><th>Name</th><th>Size</th><th>Updated</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No files yet.</p>'}
<form method="post" action="${back}/files" enctype="multipart/form-data"><div class="row">
<label>Upload a file<input type="file" name="file" required></label><label>Folder<input name="folder" placeholder="General"></label></div>
<button class="btn">Upload</button></form></div>`;
  }

  private uploadFile(req: SandboxRequest, type: 'contact' | 'company'): SandboxResponse {
    const user = currentUser(req, this.store);
    const exists = type === 'contact' ? this.store.getContact(user.account_id, req.params.id) : this.store.getCompany(user.account_id, req.params.id);
    if (!exists) return this.notFound(req, type === 'contact' ? 'Contact' : 'Company');
    const parts = parseMultipart(req.body, req.headers['content-type']) ?? [];
    const file = parts.find((p) => p.name === 'file' && p.fileName);
    const back = this.recordPath({ type, id: req.params.id });
    if (!file) return redirect(`${back}#files`, 303);
    if (file.data.length > this.store.state.config.fileUploadMaxBytes) {
      return this.page(req, { title: 'File too large', status: 413, body: `<div class="card"><p class="error">The file is too large.</p><p><a href="${back}">Back</a></p></div>` });
    }
    const folder = parts.find((p) => p.name === 'folder')?.data.toString('utf8').trim() || 'General';
    const id = randomId();
    this.store.state.files[id] = {
      id,
      account_id: user.account_id,
      subject: { type, id: req.params.id },
      name: file.fileName!,
      mime_type: file.contentType !== 'application/octet-stream' ? file.contentType : mimeFor(file.fileName!),
      size: file.data.length,
      folder,
      uploaded_by: user.id,
      updated_at: this.store.timestamp(),
      base64: file.data.toString('base64'),
    };
    return redirect(`${back}#files`, 303);
  }

  private downloadFile(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const file = this.store.state.files[req.params.id];
    if (!file || file.account_id !== user.account_id) return this.notFound(req, 'File');
    return { status: 200, headers: { 'content-type': file.mime_type, 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}` }, body: Buffer.from(file.base64, 'base64') };
  }

  private deleteFile(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const file = this.store.state.files[req.params.id];
    if (!file || file.account_id !== user.account_id) return this.notFound(req, 'File');
    delete this.store.state.files[file.id];
    const returnTo = readForm(req).get('returnTo') ?? PREFIX;
    return redirect(`${returnTo.startsWith('/') ? returnTo : PREFIX}#files`, 303);
  }

  // ---- marketplace --------------------------------------------------------------------------------

  private activeInstallation(user: TeamleaderUser) {
    return this.store.state.installations.find(
      (i) => i.account_id === user.account_id && i.user_id === user.id && i.client_id === this.ctx.app.teamleader.clientId && !i.uninstalled_at,
    );
  }

  private marketplace(req: SandboxRequest): SandboxResponse {
    const user = currentUser(req, this.store);
    const registration = this.ctx.app.teamleader;
    const installation = this.activeInstallation(user);
    const flash = req.url.searchParams.get('uninstalled') ? '<div class="flash">Synclane was uninstalled. Its access to your account has been revoked.</div>' : '';
    const actions = installation
      ? `<p><span class="tag">Installed</span> <span class="muted">since ${escapeHtml(installation.installed_at)}</span></p>
<div class="row" style="gap:10px"><a class="btn" href="${escapeHtml(registration.settingsUrl)}">Open settings</a>
<form method="post" action="${PREFIX}/marketplace/uninstall" onsubmit="return confirm('Uninstall Synclane?')"><button class="btn danger">Uninstall</button></form></div>`
      : `<a class="btn" href="${escapeHtml(registration.installationUrl)}">Install</a>`;
    return this.page(req, {
      title: 'Marketplace',
      active: 'marketplace',
      body: `<h1>Marketplace</h1>${flash}
<div class="card" style="max-width:720px"><div class="row" style="align-items:center;gap:14px"><div class="avatar" style="width:48px;height:48px;border-radius:10px;background:#00b2b2;font-size:18px">S</div>
<div><h2 style="margin:0">Synclane</h2><p class="muted" style="margin:2px 0 0">Contacts · Files · E-signature</p></div></div>
<p>Sync your Teamleader contacts with Google Contacts or Outlook, keep record files in Dropbox and archive Dropbox Sign documents.</p>
${actions}</div>`,
    });
  }

  private uninstall(req: SandboxRequest): SandboxResponse {
    const installation = this.activeInstallation(currentUser(req, this.store));
    if (installation) this.oauth.uninstall(installation.id);
    return redirect(`${PREFIX}/marketplace?uninstalled=1`, 303);
  }
}
