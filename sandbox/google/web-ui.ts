/**
 * A small Google Contacts look-alike at /google/contacts so a person can see and edit the demo
 * accounts' contacts. Edits are real writes (new etag, visible to incremental sync).
 */
import { escapeHtml, html, readForm, redirect, Router, type SandboxResponse } from '../lib/http';
import { GoogleApiError } from './google-errors';
import type { GoogleAccount, PersonFields, StoredContact } from './google-state';
import { page } from './oidc-server';
import { MY_CONTACTS, STARRED } from './person-fields';
import { displayNameOf, type PersonStore, type WriteOptions } from './person-store';

export type WebUiDeps = {
  store: PersonStore;
  accounts: () => GoogleAccount[];
  writeOptions: () => WriteOptions;
  baseUrl: string;
};

const PAGE_SIZE = 200;
const UI_FIELDS = new Set(['names', 'emailAddresses', 'phoneNumbers', 'organizations', 'biographies', 'birthdays', 'memberships']);

type Item = { value?: string; type?: string };

function typedLines(items: unknown): string {
  return ((items as Item[] | undefined) ?? []).map((i) => (i.type ? `${i.type}: ${i.value ?? ''}` : i.value ?? '')).join('\n');
}

function parseTypedLines(text: string, defaultType: string): Item[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const m = /^([A-Za-z][\w ]{0,30}):\s+(.+)$/.exec(line);
      return m ? { value: m[2].trim(), type: m[1].trim() } : { value: line, type: defaultType };
    });
}

function birthdayText(person: PersonFields): string {
  const date = (person.birthdays as { date?: { year?: number; month?: number; day?: number }; text?: string }[] | undefined)?.[0];
  if (!date) return '';
  if (!date.date) return date.text ?? '';
  const pad = (n?: number) => String(n ?? 0).padStart(2, '0');
  return date.date.year ? `${date.date.year}-${pad(date.date.month)}-${pad(date.date.day)}` : `${pad(date.date.month)}-${pad(date.date.day)}`;
}

function parseBirthday(text: string): PersonFields['birthdays'] {
  const value = text.trim();
  if (!value) return [];
  const full = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  if (full) return [{ date: { year: Number(full[1]), month: Number(full[2]), day: Number(full[3]) } }];
  const noYear = /^-{0,2}(\d{1,2})-(\d{1,2})$/.exec(value);
  if (noYear) return [{ date: { month: Number(noYear[1]), day: Number(noYear[2]) } }];
  return [{ text: value }];
}

export function createWebUi(deps: WebUiDeps): Router {
  const { store } = deps;
  const router = new Router();
  const root = `${deps.baseUrl}/google/contacts`;
  const accountUrl = (a: GoogleAccount) => `${root}/${encodeURIComponent(a.email)}`;
  const contactUrl = (a: GoogleAccount, c: StoredContact) => `${accountUrl(a)}/${c.resourceName.slice('people/'.length)}`;

  const findAccount = (email: string): GoogleAccount | null => deps.accounts().find((a) => a.email === email.toLowerCase()) ?? null;
  const missing = (what: string): SandboxResponse => html(404, page('Not found', `<div class="card"><h1>${escapeHtml(what)} not found</h1><p><a href="${root}">Back to accounts</a></p></div>`));

  router.get('/contacts', () => {
    const rows = deps
      .accounts()
      .map((a) => {
        const live = Object.values(a.contacts).filter((c) => !c.deleted).length;
        return `<a class="account" href="${accountUrl(a)}" style="text-decoration:none;color:inherit"><span class="avatar">${escapeHtml(a.givenName[0] ?? '?')}</span>
<span><strong>${escapeHtml(a.name)}</strong><br><span class="muted">${escapeHtml(a.email)} \u00b7 ${live} contacts</span></span></a>`;
      })
      .join('\n');
    return html(200, page('Google Contacts (sandbox)', `<div class="card"><nav><a href="/">Sandbox home</a></nav><div class="brand">Google Contacts <span class="muted">(sandbox)</span></div>
<h1>Choose an account</h1>${rows}</div>`));
  });

  // Like contacts.google.com/person/<id>?authuser=<email>: the deep link apps use to open one contact.
  router.get('/contacts/person/:id', (req) => {
    const account = findAccount(req.url.searchParams.get('authuser') ?? '');
    const contact = account?.contacts[`people/${req.params.id}`];
    if (!account || !contact || contact.deleted) return missing('Contact');
    return redirect(contactUrl(account, contact));
  });

  router.get('/contacts/:email', (req) => {
    const account = findAccount(req.params.email);
    if (!account) return missing('Account');
    const q = (req.url.searchParams.get('q') ?? '').trim().toLowerCase();
    const group = req.url.searchParams.get('group') ?? '';
    const offset = Math.max(0, Number(req.url.searchParams.get('offset') ?? 0) || 0);
    let list = store.sorted(account, 'FIRST_NAME_ASCENDING').list;
    if (group) list = list.filter((c) => c.groups.includes(group));
    if (q) list = list.filter((c) => JSON.stringify(c.person).toLowerCase().includes(q));
    const counts = store.memberCounts(account);
    const groups = store.liveGroups(account);
    const groupLinks = [`<a class="chip" href="${accountUrl(account)}">All (${counts.get(MY_CONTACTS) ?? 0})</a>`]
      .concat(groups.filter((g) => g.resourceName !== MY_CONTACTS).map((g) => `<a class="chip" href="${accountUrl(account)}?group=${encodeURIComponent(g.resourceName)}">${escapeHtml(g.groupType === 'SYSTEM_CONTACT_GROUP' ? 'Starred' : g.name)} (${counts.get(g.resourceName) ?? 0})</a>`))
      .join(' ');
    const rows = list
      .slice(offset, offset + PAGE_SIZE)
      .map((c) => {
        const p = c.person as Record<string, Item[] & { name?: string }[]>;
        const org = (c.person.organizations as { name?: string; title?: string }[] | undefined)?.[0];
        const labels = c.groups.filter((g) => g !== MY_CONTACTS).map((g) => `<span class="chip">${escapeHtml(g === STARRED ? '\u2605' : account.groups[g]?.name ?? g)}</span>`).join('');
        return `<tr><td><a href="${contactUrl(account, c)}">${escapeHtml(displayNameOf(c.person) || '(no name)')}</a> ${labels}</td>
<td>${escapeHtml(p.emailAddresses?.[0]?.value ?? '')}</td><td>${escapeHtml(p.phoneNumbers?.[0]?.value ?? '')}</td><td>${escapeHtml([org?.title, org?.name].filter(Boolean).join(', '))}</td></tr>`;
      })
      .join('\n');
    const more = offset + PAGE_SIZE < list.length
      ? `<p><a href="${accountUrl(account)}?offset=${offset + PAGE_SIZE}&q=${encodeURIComponent(q)}&group=${encodeURIComponent(group)}">Next ${PAGE_SIZE} \u2192</a></p>`
      : '';
    return html(200, page(`Contacts \u2013 ${account.email}`, `<div class="card wide"><nav><a href="${root}">All accounts</a></nav>
<div class="brand">Contacts of ${escapeHtml(account.name)} <span class="muted">${escapeHtml(account.email)}</span></div>
<form method="get" class="row" style="margin:12px 0"><input type="text" name="q" value="${escapeHtml(q)}" placeholder="Search"><input type="hidden" name="group" value="${escapeHtml(group)}"><span style="flex:0"><button type="submit">Search</button></span><span style="flex:0"><a class="button primary" href="${accountUrl(account)}/new">Create contact</a></span></form>
<p>${groupLinks}</p><p class="muted">${list.length} contact(s)</p>
<table><thead><tr><th>Name</th><th>Email</th><th>Phone</th><th>Job title &amp; company</th></tr></thead><tbody>${rows}</tbody></table>${more}</div>`));
  });

  const form = (account: GoogleAccount, contact: StoredContact | null, error?: string) => {
    const p = contact?.person ?? {};
    const name = (p.names as Record<string, string>[] | undefined)?.[0] ?? {};
    const org = (p.organizations as Record<string, string>[] | undefined)?.[0] ?? {};
    const note = (p.biographies as { value?: string }[] | undefined)?.[0]?.value ?? '';
    const userGroups = store.liveGroups(account).filter((g) => g.resourceName !== MY_CONTACTS);
    const action = contact ? contactUrl(account, contact) : `${accountUrl(account)}/new`;
    const photo = contact && contact.photoId ? `<img src="${deps.baseUrl}/google/photos/${contact.photoId}" alt="" width="64" height="64" style="border-radius:50%">` : '';
    const extra = contact
      ? Object.keys(contact.person).filter((k) => !UI_FIELDS.has(k)).map((k) => `<span class="chip">${escapeHtml(k)}</span>`).join('')
      : '';
    return html(error ? 409 : 200, page(contact ? displayNameOf(p) || 'Contact' : 'New contact', `<div class="card"><nav><a href="${accountUrl(account)}">\u2190 Contacts of ${escapeHtml(account.email)}</a></nav>
${photo}<h1>${escapeHtml(contact ? displayNameOf(p) || '(no name)' : 'New contact')}</h1>
${contact ? `<p class="muted">${escapeHtml(contact.resourceName)} \u00b7 etag ${escapeHtml(contact.etag)} \u00b7 updated ${escapeHtml(new Date(contact.updateTime).toISOString())}</p>` : ''}
${error ? `<p style="color:#b3261e">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${action}">
<input type="hidden" name="etag" value="${escapeHtml(contact?.etag ?? '')}">
<div class="row"><div><label class="field">First name</label><input type="text" name="givenName" value="${escapeHtml(name.givenName ?? '')}"></div>
<div><label class="field">Last name</label><input type="text" name="familyName" value="${escapeHtml(name.familyName ?? '')}"></div></div>
<label class="field">Emails (one per line, optional type prefix such as <code>work: </code>)</label><textarea name="emails" rows="2">${escapeHtml(typedLines(p.emailAddresses))}</textarea>
<label class="field">Phones (one per line, optional type prefix such as <code>mobile: </code>)</label><textarea name="phones" rows="2">${escapeHtml(typedLines(p.phoneNumbers))}</textarea>
<div class="row"><div><label class="field">Company</label><input type="text" name="company" value="${escapeHtml(org.name ?? '')}"></div>
<div><label class="field">Job title</label><input type="text" name="title" value="${escapeHtml(org.title ?? '')}"></div></div>
<label class="field">Birthday (YYYY-MM-DD, or MM-DD without a year)</label><input type="text" name="birthday" value="${escapeHtml(birthdayText(p))}">
<label class="field">Notes</label><textarea name="notes" rows="3">${escapeHtml(note)}</textarea>
<label class="field">Labels</label>${userGroups.map((g) => `<label style="margin-right:12px"><input type="checkbox" name="group" value="${escapeHtml(g.resourceName)}"${contact?.groups.includes(g.resourceName) ? ' checked' : ''}> ${escapeHtml(g.groupType === 'SYSTEM_CONTACT_GROUP' ? 'Starred' : g.name)}</label>`).join('')}
${extra ? `<p class="muted">Also stored (not editable here): ${extra}</p>` : ''}
<div class="actions"><button type="submit" class="primary">Save</button></div></form>
${contact ? `<form method="post" action="${action}/delete" onsubmit="return confirm('Delete this contact?')"><div class="actions"><button type="submit" class="danger">Delete</button></div></form>` : ''}
</div>`));
  };

  const fieldsFrom = (values: URLSearchParams): PersonFields => {
    const org = { name: values.get('company')?.trim(), title: values.get('title')?.trim() };
    const note = values.get('notes')?.trim();
    const given = values.get('givenName')?.trim();
    const family = values.get('familyName')?.trim();
    return {
      names: given || family ? [{ ...(given ? { givenName: given } : {}), ...(family ? { familyName: family } : {}) }] : [],
      emailAddresses: parseTypedLines(values.get('emails') ?? '', 'other'),
      phoneNumbers: parseTypedLines(values.get('phones') ?? '', 'mobile'),
      organizations: org.name || org.title ? [{ ...(org.name ? { name: org.name } : {}), ...(org.title ? { title: org.title } : {}), type: 'work' }] : [],
      biographies: note ? [{ value: note, contentType: 'TEXT_PLAIN' }] : [],
      birthdays: parseBirthday(values.get('birthday') ?? ''),
    };
  };

  router.get('/contacts/:email/new', (req) => {
    const account = findAccount(req.params.email);
    return account ? form(account, null) : missing('Account');
  });

  router.post('/contacts/:email/new', (req) => {
    const account = findAccount(req.params.email);
    if (!account) return missing('Account');
    const values = readForm(req);
    const fields = Object.fromEntries(Object.entries(fieldsFrom(values)).filter(([, v]) => (v as unknown[]).length));
    const groups = [MY_CONTACTS, ...values.getAll('group').filter((g) => account.groups[g] && g !== MY_CONTACTS)];
    const contact = store.insertContact(account, fields, groups, deps.writeOptions());
    return redirect(contactUrl(account, contact), 303);
  });

  const findContact = (account: GoogleAccount, id: string) => {
    const contact = account.contacts[`people/${id}`];
    return contact && !contact.deleted ? contact : null;
  };

  router.get('/contacts/:email/:id', (req) => {
    const account = findAccount(req.params.email);
    const contact = account && findContact(account, req.params.id);
    return account && contact ? form(account, contact) : missing('Contact');
  });

  router.post('/contacts/:email/:id', (req) => {
    const account = findAccount(req.params.email);
    const contact = account && findContact(account, req.params.id);
    if (!account || !contact) return missing('Contact');
    const values = readForm(req);
    const fields = fieldsFrom(values);
    const groups = [...contact.groups.filter((g) => g === MY_CONTACTS), ...values.getAll('group').filter((g) => account.groups[g] && g !== MY_CONTACTS)];
    const update = new Set([...Object.keys(fields), 'memberships']);
    try {
      const personBody = {
        etag: values.get('etag') ?? '',
        ...fields,
        memberships: (groups.length ? groups : [MY_CONTACTS]).map((g) => ({ contactGroupMembership: { contactGroupResourceName: g } })),
      };
      store.updateContact(account, contact.resourceName, personBody, update, deps.writeOptions());
    } catch (error) {
      if (error instanceof GoogleApiError) return form(account, contact, `${error.message} Reload the page to see the latest version.`);
      throw error;
    }
    return redirect(contactUrl(account, contact), 303);
  });

  router.post('/contacts/:email/:id/delete', (req) => {
    const account = findAccount(req.params.email);
    const contact = account && findContact(account, req.params.id);
    if (!account || !contact) return missing('Contact');
    store.deleteContact(account, contact.resourceName, deps.writeOptions());
    return redirect(accountUrl(account), 303);
  });

  return router;
}
