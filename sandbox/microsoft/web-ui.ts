/**
 * A small Outlook-like web UI for reviewers: pick a demo account, browse folders and contacts, edit
 * or delete a contact. Edits are real writes through the contact store (new changeKey, visible to delta).
 */
import { escapeHtml, html, readForm, redirect, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { ContactInput, ContactStore } from './contact-store';
import { GraphApiError } from './graph-errors';
import type { MicrosoftState, StoredContact } from './microsoft-state';

const PAGE_SIZE = 200;

export class OutlookWebUi {
  constructor(
    private readonly state: () => MicrosoftState,
    private readonly store: ContactStore,
  ) {}

  register(router: Router): void {
    router.get('/outlook', () => this.accountsPage());
    router.get('/outlook/:email', (req) => this.folderPage(req));
    router.get('/outlook/:email/new', (req) => this.contactPage(req.params.email, null, req.url.searchParams.get('folder') ?? undefined));
    router.post('/outlook/:email/new', (req) => this.saveContact(req, null));
    router.get('/outlook/:email/contacts/:id', (req) => this.contactPage(req.params.email, req.params.id));
    router.post('/outlook/:email/contacts/:id', (req) => this.saveContact(req, req.params.id));
    router.post('/outlook/:email/contacts/:id/delete', (req) => {
      const contact = this.store.getContact(req.params.email, req.params.id);
      this.store.deleteContact(req.params.email, contact.immutableId);
      return redirect(`${this.base(req.params.email)}?folder=${encodeURIComponent(contact.folderId)}`, 303);
    });
    router.get('/outlook/:email/contacts/:id/photo', (req) => {
      const photo = this.store.photoOf(this.store.getContact(req.params.email, req.params.id));
      return { status: 200, headers: { 'content-type': photo.contentType }, body: Buffer.from(photo.base64, 'base64') };
    });
  }

  /** Store errors (unknown account/contact, validation) become a readable page instead of a 500. */
  static errorPage(error: GraphApiError): SandboxResponse {
    return html(error.status, layout('Error', `<p class="error">${escapeHtml(error.message)}</p><p><a href="/microsoft/outlook">Back to accounts</a></p>`));
  }

  private base(email: string): string {
    return `/microsoft/outlook/${encodeURIComponent(email)}`;
  }

  private accountsPage(): SandboxResponse {
    const rows = Object.values(this.state().accounts)
      .map((a) => {
        const count = Object.keys(this.state().mailboxes[a.email]?.contacts ?? {}).length;
        return `<a class="card" href="${this.base(a.email)}"><strong>${escapeHtml(a.displayName)}</strong><br><small>${escapeHtml(a.email)} · ${count} contacts</small></a>`;
      })
      .join('');
    return html(200, layout('Outlook — pick an account', `<p>Demo Microsoft accounts of the sandbox. Sign in to Synclane with one of them to sync its contacts.</p>${rows}`));
  }

  private folderPage(req: SandboxRequest): SandboxResponse {
    const email = req.params.email;
    const mailbox = this.store.mailbox(email);
    const folderId = req.url.searchParams.get('folder') ?? mailbox.defaultFolderId;
    const folder = this.store.folder(email, folderId);
    const page = Math.max(0, Number(req.url.searchParams.get('page') ?? 0) || 0);
    const contacts = this.store.listContacts(email, folderId);
    const folders = Object.values(mailbox.folders)
      .map((f) => `<li${f.id === folderId ? ' class="active"' : ''}><a href="${this.base(email)}?folder=${encodeURIComponent(f.id)}">${escapeHtml(f.displayName)}</a></li>`)
      .join('');
    const rows = contacts
      .slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)
      .map(
        (c) => `<tr><td><a href="${this.base(email)}/contacts/${encodeURIComponent(c.immutableId)}">${escapeHtml(c.fields.displayName || '(no name)')}</a></td>
<td>${escapeHtml(c.fields.emailAddresses[0]?.address ?? '')}</td><td>${escapeHtml(c.fields.companyName ?? '')}</td><td>${escapeHtml(c.lastModifiedDateTime)}</td></tr>`,
      )
      .join('');
    const pager = contacts.length > PAGE_SIZE
      ? `<p>${page > 0 ? `<a href="?folder=${encodeURIComponent(folderId)}&page=${page - 1}">← previous</a> ` : ''}Page ${page + 1} of ${Math.ceil(contacts.length / PAGE_SIZE)}${(page + 1) * PAGE_SIZE < contacts.length ? ` <a href="?folder=${encodeURIComponent(folderId)}&page=${page + 1}">next →</a>` : ''}</p>`
      : '';
    return html(
      200,
      layout(
        `${folder.displayName} — ${email}`,
        `<p><a href="/microsoft/outlook">All accounts</a></p>
<div class="split"><nav><ul>${folders}</ul></nav><section>
<p><a class="button" href="${this.base(email)}/new?folder=${encodeURIComponent(folderId)}">New contact</a> ${contacts.length} contacts</p>
<table><thead><tr><th>Name</th><th>Email</th><th>Company</th><th>Modified</th></tr></thead><tbody>${rows || '<tr><td colspan="4">No contacts in this folder.</td></tr>'}</tbody></table>${pager}
</section></div>`,
      ),
    );
  }

  private contactPage(email: string, id: string | null, folderId?: string, error?: string): SandboxResponse {
    const contact = id ? this.store.getContact(email, id) : null;
    const f = contact?.fields;
    const input = (name: string, label: string, value: string | null | undefined, type = 'text') =>
      `<label>${escapeHtml(label)}<input type="${type}" name="${name}" value="${escapeHtml(value ?? '')}"></label>`;
    const photo = contact?.photo ? `<img class="photo" alt="" src="${this.base(email)}/contacts/${encodeURIComponent(contact.immutableId)}/photo">` : '';
    const action = contact ? `${this.base(email)}/contacts/${encodeURIComponent(contact.immutableId)}` : `${this.base(email)}/new`;
    const meta = contact
      ? `<p class="meta">id ${escapeHtml(contact.regularId)}<br>immutable id ${escapeHtml(contact.immutableId)}<br>changeKey ${escapeHtml(contact.changeKey)} · modified ${escapeHtml(contact.lastModifiedDateTime)}${contact.extensions.length ? `<br>extensions: ${escapeHtml(contact.extensions.map((e) => JSON.stringify(e)).join('; '))}` : ''}</p>`
      : '';
    const body = `<p><a href="${this.base(email)}?folder=${encodeURIComponent(contact?.folderId ?? folderId ?? '')}">← Back to folder</a></p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}${photo}${meta}
<form method="post" action="${action}" class="grid">
<input type="hidden" name="folder" value="${escapeHtml(contact?.folderId ?? folderId ?? '')}">
${input('givenName', 'First name', f?.givenName)}${input('middleName', 'Middle name', f?.middleName)}${input('surname', 'Last name', f?.surname)}
${input('displayName', 'Display name', f?.displayName)}
${[0, 1, 2].map((i) => input(`email${i}`, `Email ${i + 1}`, f?.emailAddresses[i]?.address, 'email')).join('')}
${[0, 1].map((i) => input(`businessPhone${i}`, `Business phone ${i + 1}`, f?.businessPhones[i])).join('')}
${[0, 1].map((i) => input(`homePhone${i}`, `Home phone ${i + 1}`, f?.homePhones[i])).join('')}
${input('mobilePhone', 'Mobile phone', f?.mobilePhone)}
${input('companyName', 'Company', f?.companyName)}${input('jobTitle', 'Job title', f?.jobTitle)}${input('department', 'Department', f?.department)}
${input('birthday', 'Birthday', f?.birthday?.slice(0, 10), 'date')}
<label class="wide">Notes<textarea name="personalNotes" rows="4">${escapeHtml(f?.personalNotes ?? '')}</textarea></label>
<div class="wide"><button>${contact ? 'Save' : 'Create'}</button></div></form>
${contact ? `<form method="post" action="${action}/delete" onsubmit="return confirm('Delete this contact?')"><button class="danger">Delete contact</button></form>` : ''}`;
    return html(error ? 400 : 200, layout(contact ? f!.displayName || '(no name)' : 'New contact', body));
  }

  private saveContact(req: SandboxRequest, id: string | null): SandboxResponse {
    const email = req.params.email;
    const form = readForm(req);
    const existing: StoredContact | null = id ? this.store.getContact(email, id) : null;
    const text = (name: string) => form.get(name)?.trim() || null;
    const list = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => text(`${prefix}${i}`)).filter((v): v is string => !!v);
    const displayName = text('displayName');
    const input: ContactInput = {
      givenName: text('givenName'),
      middleName: text('middleName'),
      surname: text('surname'),
      emailAddresses: list('email', 3).map((address) => ({
        address,
        name: existing?.fields.emailAddresses.find((e) => e.address === address)?.name ?? displayName ?? address,
      })),
      businessPhones: list('businessPhone', 2),
      homePhones: list('homePhone', 2),
      mobilePhone: text('mobilePhone'),
      companyName: text('companyName'),
      jobTitle: text('jobTitle'),
      department: text('department'),
      personalNotes: form.get('personalNotes') ?? '',
      birthday: text('birthday') ? `${text('birthday')}T11:59:00Z` : null,
    };
    // An emptied display name lets the store derive it from the name parts again.
    if (displayName) input.displayName = displayName;
    else if (existing) input.displayName = [input.givenName, input.middleName, input.surname].filter(Boolean).join(' ');
    try {
      const contact = existing
        ? this.store.updateContact(email, existing.immutableId, input)
        : this.store.createContact(email, text('folder') ?? this.store.mailbox(email).defaultFolderId, input);
      return redirect(`${this.base(email)}/contacts/${encodeURIComponent(contact.immutableId)}`, 303);
    } catch (error) {
      if (error instanceof GraphApiError && error.status === 400) return this.contactPage(email, id, text('folder') ?? undefined, error.message);
      throw error;
    }
  }
}

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | Outlook (sandbox)</title>
<style>body{font-family:"Segoe UI",system-ui,sans-serif;margin:0;color:#242424;background:#faf9f8}
header{background:#0f6cbd;color:#fff;padding:10px 24px;font-weight:600}main{max-width:1100px;margin:24px auto;padding:0 16px}
a{color:#0f6cbd}a.card{display:block;background:#fff;border:1px solid #e1dfdd;border-radius:6px;padding:14px 18px;margin:10px 0;text-decoration:none;color:inherit}
.split{display:grid;grid-template-columns:200px 1fr;gap:24px}nav ul{list-style:none;padding:0}nav li{padding:6px 8px;border-radius:4px}nav li.active{background:#e8ebfa;font-weight:600}
table{width:100%;border-collapse:collapse;background:#fff}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #edebe9;font-size:14px}
.grid{display:grid;grid-template-columns:repeat(3,1fr);gap:10px 16px;background:#fff;padding:16px;border:1px solid #e1dfdd;border-radius:6px}
.grid label{display:flex;flex-direction:column;font-size:13px;gap:4px}.grid .wide{grid-column:1/-1}input,textarea{font:inherit;padding:5px 7px;border:1px solid #c8c6c4;border-radius:4px}
button,.button{background:#0f6cbd;color:#fff;border:0;border-radius:4px;padding:7px 18px;font:inherit;cursor:pointer;text-decoration:none;display:inline-block}
button.danger{background:#c50f1f;margin-top:12px}.error{color:#c50f1f;font-weight:600}.meta{font-size:12px;color:#616161;word-break:break-all}
.photo{width:64px;height:64px;border-radius:50%;float:right}</style></head>
<body><header>Outlook · Synclane sandbox</header><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
