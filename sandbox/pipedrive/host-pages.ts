/**
 * The emulated Pipedrive web app (Northwind Traders): home, persons, organizations, deals with the
 * Synclane panel iframe, the Marketplace (install / uninstall) and the app-settings page hosting the
 * settings iframe, plus the small `_host` endpoints the SDK host script calls.
 */
import { escapeHtml as e, html, json, readForm, readJson, redirect, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { ORG_PHONE_FIELD_KEY } from './demo-data';
import type { EmulatorDeps } from './emulator-deps';
import { renderLayout, type LayoutOptions } from './host-layout';
import { HOST_SDK_SCRIPT } from './host-sdk-script';
import { currentTheme, currentUser, USER_COOKIE, type Surface } from './host-session';
import { signIframeJwt } from './iframe-jwt';
import { parseMultipart } from '../lib/multipart';
import { isPlanName, PLAN_NAMES, visibilityOptions } from './plans';
import { ApiFailure } from './store';
import type { LabeledValue, OrganizationRecord, PersonRecord, User } from './types';
import { rfc3339 } from './wire-format';

type Page = Pick<LayoutOptions, 'title' | 'active' | 'body'> & { withSdk?: boolean; status?: number };

export function registerHostPages(router: Router, deps: EmulatorDeps): void {
  const { ctx, store, installs, surfaces, base } = deps;
  const app = () => ctx.app.pipedrive;

  const page = (req: SandboxRequest, p: Page) => {
    const user = currentUser(store, req);
    const config = JSON.stringify({ base, clientId: app().clientId }).replace(/</g, '\\u003c');
    const tail = p.withSdk ? `<script type="application/json" id="pd-host-config">${config}</script><script>${HOST_SDK_SCRIPT}</script>` : '';
    return html(p.status ?? 200, renderLayout({ ...p, base, user, users: store.usersOf(user.companyId), company: store.company(user.companyId), theme: currentTheme(req), returnTo: `${req.url.pathname}${req.url.search}`, tail }));
  };

  const banner = (message: string | null, kind: 'info' | 'error' = 'info') => (message ? `<div class="banner ${kind === 'error' ? 'error' : ''}" role="${kind === 'error' ? 'alert' : 'status'}">${e(message)}</div>` : '');

  const failureMessage = (error: unknown) => {
    if (error instanceof ApiFailure) return error.message;
    throw error;
  };

  /** The iframe src every custom-UI surface gets (reference §2.2). */
  const surfaceSrc = (url: string, surface: Surface, theme: string, extra: Record<string, string> = {}) => {
    const target = new URL(url);
    const params = { id: surface.id, userId: String(surface.userId), companyId: String(surface.companyId), token: signIframeJwt(app().clientSecret, surface, ctx.now()), ...extra, theme };
    for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
    return target.toString();
  };

  const appPanel = (req: SandboxRequest, user: User, resource: 'person' | 'organization' | 'deal', id: number) => {
    if (!installs.find(user.companyId, user.id)) return '';
    const surface = surfaces.issue('panel', user.companyId, user.id, ctx.now());
    const src = surfaceSrc(app().panelUrl, surface, currentTheme(req), { resource, view: 'details', selectedIds: String(id) });
    return `<section class="app-panel" aria-label="Synclane panel"><header aria-expanded="true">Synclane <span class="muted">▾</span></header>
<div class="surface"><iframe title="Synclane" data-surface-id="${surface.id}" data-surface-kind="panel" src="${e(src)}"></iframe></div></section>`;
  };

  // ── session & host endpoints ─────────────────────────────────────────────────────────────────
  router.post('/_host/switch-user', (req) => {
    const form = readForm(req);
    const user = store.user(Number(form.get('userId')));
    const returnTo = form.get('returnTo') ?? base;
    const headers = user ? { 'set-cookie': `${USER_COOKIE}=${user.id}; Path=/; SameSite=Lax; Max-Age=31536000` } : undefined;
    return { status: 303, headers: { location: returnTo.startsWith('/') ? returnTo : base, ...headers }, body: '' };
  });

  router.get('/_host/token', (req) => {
    const surface = surfaces.get(req.url.searchParams.get('surface') ?? '');
    const user = currentUser(store, req);
    if (!surface || surface.userId !== user.id) return json(403, { error: 'Unknown surface for this user' });
    if (!installs.find(surface.companyId, surface.userId)) return json(403, { error: 'Synclane is not installed for this user' });
    return json(200, { token: signIframeJwt(app().clientSecret, surface, ctx.now()) });
  });

  router.post('/_host/surfaces', (req) => {
    const body = readJson<{ kind?: string; actionId?: string; data?: unknown; parent?: string }>(req) ?? {};
    const parent = surfaces.get(body.parent ?? '');
    const user = currentUser(store, req);
    if (!parent || parent.userId !== user.id) return json(403, { error: 'Unknown surface for this user' });
    const surface = surfaces.issue('custom_modal', user.companyId, user.id, ctx.now());
    const extra: Record<string, string> = {};
    if (body.data !== undefined) extra.data = JSON.stringify(body.data);
    const src = surfaceSrc(customModalUrl(ctx.app.appUrl, body.actionId ?? 'default'), surface, currentTheme(req), extra);
    return json(200, { id: surface.id, src });
  });

  router.post('/_host/quick-add', (req) => {
    const body = readJson<{ type?: string; name?: string }>(req) ?? {};
    const user = currentUser(store, req);
    const actor = { userId: user.id, source: 'app' as const };
    try {
      const record = body.type === 'organization' ? store.createOrganization(user.companyId, { name: body.name ?? '' }, actor) : store.createPerson(user.companyId, { name: body.name ?? '' }, actor);
      return json(200, { id: record.id });
    } catch (error) {
      return json(400, { error: failureMessage(error) });
    }
  });

  router.get('/pictures/:id', (req): SandboxResponse => {
    const picture = store.picture(Number(req.params.id));
    if (!picture) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found' };
    return { status: 200, headers: { 'content-type': picture.contentType, 'cache-control': 'public, max-age=3600' }, body: Buffer.from(picture.base64, 'base64') };
  });

  // ── home ─────────────────────────────────────────────────────────────────────────────────────
  router.get('/', (req) => {
    const user = currentUser(store, req);
    const installed = Boolean(installs.find(user.companyId, user.id));
    const body = `<div class="card"><h2>Welcome, ${e(user.name)}</h2>
<p>This is an emulated Pipedrive account for <strong>${e(store.company(user.companyId).name)}</strong>, running offline in the Synclane sandbox.
Switch user in the top bar to act as an admin, a regular user or a user without the “add people” permission.</p>
<p>Synclane is <strong>${installed ? 'installed' : 'not installed'}</strong> for you.</p>
<ul><li><a href="${base}/settings/marketplace">Marketplace</a> – install or uninstall Synclane</li>
<li><a href="${base}/persons">Persons</a></li><li><a href="${base}/organizations">Organizations</a></li><li><a href="${base}/deals">Deals</a></li>
${installed ? `<li><a href="${base}/settings/marketplace/app/${e(app().clientId)}/app-settings">Synclane settings</a></li>` : ''}
<li><a href="${base}/settings/company">Company settings</a> (plan, Contact Sync fields)</li></ul></div>`;
    return page(req, { title: 'Home', active: 'home', body });
  });

  // ── files (reference §3.7): shown on person / organization / deal pages; upload and delete act like the UI ──
  type FileTarget = { field: 'person_id' | 'org_id' | 'deal_id'; id: number; path: 'person' | 'organization' | 'deal' };

  const formatSize = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

  const filesCard = (user: User, target: FileTarget) => {
    const files = store.filesOf(user.companyId).filter((f) => f.active_flag && f[target.field] === target.id);
    const back = `${base}/${target.path}/${target.id}`;
    const rows = files
      .map((f) => `<tr><td><a href="${base}/files/${f.id}/download">${e(f.name)}</a></td><td class="muted">${e(formatSize(f.file_size))}</td><td class="muted">${e(rfc3339(f.update_time))}</td>
<td><form method="post" action="${base}/files/${f.id}/delete" onsubmit="return confirm('Delete this file?')"><input type="hidden" name="returnTo" value="${e(back)}"><button type="submit" class="danger" aria-label="Delete ${e(f.name)}">Delete</button></form></td></tr>`)
      .join('');
    return `<div class="card" id="files"><h2>Files (${files.length})</h2>
${files.length ? `<table><thead><tr><th>Name</th><th>Size</th><th>Updated</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No files yet.</p>'}
<form method="post" action="${back}/files" enctype="multipart/form-data" class="row" style="align-items:end;margin-top:10px">
<div><label for="file-upload">Upload a file</label><input id="file-upload" type="file" name="file" required></div>
<div style="flex:0"><button type="submit">Upload</button></div></form></div>`;
  };

  const visibleTarget = (user: User, target: FileTarget) => {
    const c = user.companyId;
    const record = target.field === 'person_id' ? store.person(c, target.id) : target.field === 'org_id' ? store.organization(c, target.id) : store.deal(c, target.id);
    return Boolean(record && !record.is_deleted && store.canSee(user, record));
  };

  for (const [path, field] of [['person', 'person_id'], ['organization', 'org_id'], ['deal', 'deal_id']] as const) {
    router.post(`/${path}/:id/files`, (req) => {
      const user = currentUser(store, req);
      const target: FileTarget = { field, id: Number(req.params.id), path };
      if (!visibleTarget(user, target)) return notFoundPage(req, 'Record');
      const file = parseMultipart(req.body, req.headers['content-type'])?.find((p) => p.name === 'file' && p.fileName);
      if (!file) return redirect(`${base}/${path}/${target.id}#files`, 303);
      if (file.data.length > store.state.settings.fileMaxBytes) return page(req, { title: 'File too large', body: `<div class="card"><h2>File too large</h2><p><a href="${base}/${path}/${target.id}">Back</a></p></div>`, status: 413 });
      store.addFile(user.companyId, { person_id: null, org_id: null, deal_id: null, product_id: null, [field]: target.id }, { fileName: file.fileName!, contentType: file.contentType, bytes: file.data }, user.id);
      return redirect(`${base}/${path}/${target.id}#files`, 303);
    });
  }

  const visibleFile = (req: SandboxRequest) => {
    const user = currentUser(store, req);
    const file = store.file(user.companyId, Number(req.params.id));
    if (!file || !file.active_flag) return null;
    const targets: FileTarget[] = [];
    if (file.person_id) targets.push({ field: 'person_id', id: file.person_id, path: 'person' });
    if (file.org_id) targets.push({ field: 'org_id', id: file.org_id, path: 'organization' });
    if (file.deal_id) targets.push({ field: 'deal_id', id: file.deal_id, path: 'deal' });
    return targets.every((t) => visibleTarget(user, t)) ? file : null;
  };

  router.get('/files/:id/download', (req): SandboxResponse => {
    const file = visibleFile(req);
    if (!file) return notFoundPage(req, 'File');
    return { status: 200, headers: { 'content-type': file.contentType, 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}` }, body: Buffer.from(file.base64, 'base64') };
  });

  router.post('/files/:id/delete', (req) => {
    const file = visibleFile(req);
    if (!file) return notFoundPage(req, 'File');
    const user = currentUser(store, req);
    store.deleteFile(user.companyId, file.id);
    const returnTo = readForm(req).get('returnTo') ?? base;
    return redirect(`${returnTo.startsWith('/') ? returnTo : base}#files`, 303);
  });

  // ── persons ──────────────────────────────────────────────────────────────────────────────────
  const orgOptions = (companyId: number, selected: number | null) =>
    `<option value="">(none)</option>` +
    store.organizationsOf(companyId).filter((o) => !o.is_deleted).map((o) => `<option value="${o.id}"${o.id === selected ? ' selected' : ''}>${e(o.name)}</option>`).join('');

  const userOptions = (companyId: number, selected: number) => store.usersOf(companyId).map((u) => `<option value="${u.id}"${u.id === selected ? ' selected' : ''}>${e(u.name)}</option>`).join('');

  const primaryValue = (values: LabeledValue[]) => (values.find((v) => v.primary) ?? values[0])?.value ?? '';

  const personsList = (req: SandboxRequest, message: string | null = null, status = 200) => {
    const user = currentUser(store, req);
    const all = store.personsOf(user.companyId).filter((p) => !p.is_deleted && store.canSee(user, p));
    const pageNumber = Math.max(1, Number(req.url.searchParams.get('page') ?? 1) || 1);
    const shown = all.slice((pageNumber - 1) * 100, pageNumber * 100);
    const orgName = (id: number | null) => (id ? store.organizationIncludingDeleted(user.companyId, id)?.name ?? '' : '');
    const rows = shown
      .map((p) => `<tr><td><a href="${base}/person/${p.id}">${e(p.name || '(no name)')}</a></td><td>${e(orgName(p.org_id))}</td><td>${e(primaryValue(p.emails))}</td><td>${e(primaryValue(p.phones))}</td><td>${e(store.user(p.owner_id)?.name ?? '')}</td><td class="muted">${e(rfc3339(p.update_time))}</td></tr>`)
      .join('');
    const pager = all.length > 100 ? `<p class="muted">Page ${pageNumber} of ${Math.ceil(all.length / 100)} · ${pageNumber > 1 ? `<a href="?page=${pageNumber - 1}">Previous</a>` : ''} ${pageNumber * 100 < all.length ? `<a href="?page=${pageNumber + 1}">Next</a>` : ''}</p>` : '';
    const body = `${banner(message, 'error')}<div class="card"><h2>Add person</h2>
<form method="post" action="${base}/persons" class="row" style="align-items:end">
<div><label for="new-name">Name</label><input id="new-name" name="name" required></div>
<div><label for="new-email">Email</label><input id="new-email" name="email" type="email"></div>
<div><label for="new-phone">Phone</label><input id="new-phone" name="phone"></div>
<div><label for="new-org">Organization</label><select id="new-org" name="org_id">${orgOptions(user.companyId, null)}</select></div>
<div style="flex:0"><button type="submit">Save</button></div></form></div>
<div class="card"><h2>${all.length} people</h2><table><thead><tr><th>Name</th><th>Organization</th><th>Email</th><th>Phone</th><th>Owner</th><th>Updated</th></tr></thead><tbody>${rows}</tbody></table>${pager}</div>`;
    return page(req, { title: 'People', active: 'persons', body, status });
  };

  router.get('/persons', (req) => personsList(req));

  router.post('/persons', (req) => {
    const user = currentUser(store, req);
    const form = readForm(req);
    const input: Record<string, unknown> = { name: form.get('name') ?? '' };
    if (form.get('email')) input.emails = [{ value: form.get('email'), primary: true, label: 'work' }];
    if (form.get('phone')) input.phones = [{ value: form.get('phone'), primary: true, label: 'work' }];
    if (form.get('org_id')) input.org_id = Number(form.get('org_id'));
    try {
      const person = store.createPerson(user.companyId, input, { userId: user.id, source: 'app' });
      return redirect(`${base}/person/${person.id}`, 303);
    } catch (error) {
      return personsList(req, failureMessage(error), error instanceof ApiFailure ? error.status : 400);
    }
  });

  const labeledRows = (kind: 'email' | 'phone' | 'im', values: LabeledValue[], labels: string[]) => {
    const rows = [...values, { value: '', label: labels[0], primary: values.length === 0 }];
    return rows
      .map((v, i) => `<div class="row" style="margin-bottom:4px"><input name="${kind}_value_${i}" value="${e(v.value)}" aria-label="${kind} ${i + 1}">
<select name="${kind}_label_${i}" aria-label="${kind} ${i + 1} label" style="flex:0 0 110px">${labels.map((l) => `<option${l === v.label ? ' selected' : ''}>${l}</option>`).join('')}${labels.includes(v.label) ? '' : `<option selected>${e(v.label)}</option>`}</select>
<label style="flex:0 0 80px;margin:6px 0"><input type="radio" name="${kind}_primary" value="${i}"${v.primary ? ' checked' : ''} style="width:auto"> primary</label></div>`)
      .join('');
  };

  const readLabeled = (form: URLSearchParams, kind: string) => {
    const out: LabeledValue[] = [];
    for (let i = 0; form.has(`${kind}_value_${i}`); i++) {
      const value = (form.get(`${kind}_value_${i}`) ?? '').trim();
      if (value) out.push({ value, label: form.get(`${kind}_label_${i}`) ?? 'work', primary: form.get(`${kind}_primary`) === String(i) });
    }
    return out;
  };

  const personDetail = (req: SandboxRequest, person: PersonRecord, message: string | null = null, isError = false, status = 200) => {
    const user = currentUser(store, req);
    const company = store.company(user.companyId);
    const sync = company.contactSyncFields;
    const custom = store.customFields(company.id);
    const editableCustom = custom.filter((f) => ['varchar', 'text', 'varchar_auto', 'phone'].includes(f.field_type));
    const a = person.postal_address;
    const picture = person.picture_id ? `<img src="${base}/pictures/${person.picture_id}" alt="Profile picture" style="width:72px;height:72px;border-radius:50%;object-fit:cover">` : `<div class="badge">No picture</div>`;
    const form = `<form method="post" action="${base}/person/${person.id}">
<label for="p-name">Name</label><input id="p-name" name="name" value="${e(person.name)}">
<div class="row"><div><label for="p-first">First name</label><input id="p-first" name="first_name" value="${e(person.first_name ?? '')}"></div>
<div><label for="p-last">Last name</label><input id="p-last" name="last_name" value="${e(person.last_name ?? '')}"></div></div>
<label>Emails</label>${labeledRows('email', person.emails, ['work', 'home', 'other'])}
<label>Phones</label>${labeledRows('phone', person.phones, ['work', 'home', 'mobile', 'other'])}
<div class="row"><div><label for="p-org">Organization</label><select id="p-org" name="org_id">${orgOptions(company.id, person.org_id)}</select></div>
<div><label for="p-owner">Owner</label><select id="p-owner" name="owner_id">${userOptions(company.id, person.owner_id)}</select></div>
<div><label for="p-visible">Visible to</label><select id="p-visible" name="visible_to">${visibilityOptions(company.plan).map((o) => `<option value="${o.id}"${Number(o.id) === person.visible_to ? ' selected' : ''}>${e(o.label)}</option>`).join('')}</select></div></div>
${sync ? `<div class="row"><div><label for="p-job">Job title</label><input id="p-job" name="job_title" value="${e(person.job_title ?? '')}"></div>
<div><label for="p-birthday">Birthday</label><input id="p-birthday" name="birthday" type="date" value="${e(person.birthday ?? '')}"></div></div>
<label for="p-address">Postal address</label><input id="p-address" name="postal_address" value="${e(a?.value ?? '')}">
<label>Instant messengers</label>${labeledRows('im', person.im, ['skype', 'whatsapp', 'telegram', 'other'])}
<label for="p-notes">Notes</label><textarea id="p-notes" name="notes" rows="3">${e(person.notes ?? '')}</textarea>` : `<p class="muted">Job title, birthday, postal address, notes and instant messengers appear once the company sets up Contact Sync.</p>`}
${editableCustom.map((f) => `<label for="cf-${f.key}">${e(f.name)}</label><input id="cf-${f.key}" name="cf_${f.key}" value="${e((person.custom_fields[f.key] as string | undefined) ?? '')}">`).join('')}
<div class="row" style="margin-top:14px;max-width:200px"><button type="submit">Save</button></div></form>
<form method="post" action="${base}/person/${person.id}/delete" onsubmit="return confirm('Delete this person?')" style="margin-top:10px"><button type="submit" class="danger">Delete person</button></form>`;
    const readOnlyCustom = custom.filter((f) => !editableCustom.includes(f));
    const body = `${banner(message, isError ? 'error' : 'info')}<p><a href="${base}/persons">← People</a></p><div class="grid"><aside>
<div class="card" style="display:flex;gap:14px;align-items:center">${picture}<div><h2 style="margin:0">${e(person.name || '(no name)')}</h2><span class="muted">Person #${person.id} · updated ${e(rfc3339(person.update_time))}</span></div></div>
${appPanel(req, user, 'person', person.id)}
${readOnlyCustom.length ? `<div class="card"><h2>Custom fields</h2>${readOnlyCustom.map((f) => `<div><span class="muted">${e(f.name)}:</span> ${e(JSON.stringify(person.custom_fields[f.key] ?? null))}</div>`).join('')}</div>` : ''}
</aside><div><div class="card"><h2>Details</h2>${form}</div>${filesCard(user, { field: 'person_id', id: person.id, path: 'person' })}</div></div>`;
    return page(req, { title: person.name || 'Person', active: 'persons', body, withSdk: true, status });
  };

  const findPerson = (req: SandboxRequest) => {
    const user = currentUser(store, req);
    const person = store.person(user.companyId, Number(req.params.id));
    return person && !person.is_deleted && store.canSee(user, person) ? person : null;
  };

  const notFoundPage = (req: SandboxRequest, what: string) => page(req, { title: 'Not found', body: `<div class="card"><h2>${e(what)} not found</h2><p>It may have been deleted.</p></div>`, status: 404 });

  router.get('/person/:id', (req) => {
    const person = findPerson(req);
    return person ? personDetail(req, person) : notFoundPage(req, 'Person');
  });

  router.post('/person/:id', (req) => {
    const person = findPerson(req);
    if (!person) return notFoundPage(req, 'Person');
    const user = currentUser(store, req);
    const company = store.company(user.companyId);
    const form = readForm(req);
    const input: Record<string, unknown> = {
      emails: readLabeled(form, 'email'),
      phones: readLabeled(form, 'phone'),
      org_id: form.get('org_id') ? Number(form.get('org_id')) : null,
      owner_id: Number(form.get('owner_id') ?? person.owner_id),
      visible_to: Number(form.get('visible_to') ?? person.visible_to),
    };
    // Only changed name parts are sent: a changed full name wins, otherwise first/last drive the name.
    const name = (form.get('name') ?? '').trim();
    if (name !== person.name) input.name = name;
    for (const key of ['first_name', 'last_name'] as const) {
      const value = (form.get(key) ?? '').trim() || null;
      if (value !== person[key]) input[key] = value;
    }
    if (company.contactSyncFields) {
      input.job_title = form.get('job_title') || null;
      input.birthday = form.get('birthday') || null;
      const address = (form.get('postal_address') ?? '').trim();
      input.postal_address = address ? (address === person.postal_address?.value ? person.postal_address : { value: address }) : null;
      input.notes = form.get('notes') || null;
      input.im = readLabeled(form, 'im');
    }
    const customFields: Record<string, unknown> = {};
    for (const field of store.customFields(company.id)) {
      const value = form.get(`cf_${field.key}`);
      if (value !== null && value !== ((person.custom_fields[field.key] as string | undefined) ?? '')) customFields[field.key] = value || null;
    }
    if (Object.keys(customFields).length) input.custom_fields = customFields;
    try {
      const updated = store.updatePerson(user.companyId, person.id, input, { userId: user.id, source: 'app' });
      return personDetail(req, updated, 'Saved.');
    } catch (error) {
      return personDetail(req, person, failureMessage(error), true, 400);
    }
  });

  router.post('/person/:id/delete', (req) => {
    const person = findPerson(req);
    if (!person) return notFoundPage(req, 'Person');
    const user = currentUser(store, req);
    store.deletePerson(user.companyId, person.id, { userId: user.id, source: 'app' });
    return redirect(`${base}/persons`, 303);
  });

  // ── organizations ────────────────────────────────────────────────────────────────────────────
  const findOrganization = (req: SandboxRequest) => {
    const user = currentUser(store, req);
    const org = store.organization(user.companyId, Number(req.params.id));
    return org && store.canSee(user, org) ? org : null;
  };

  const organizationsList = (req: SandboxRequest, message: string | null = null, status = 200) => {
    const user = currentUser(store, req);
    const orgs = store.organizationsOf(user.companyId).filter((o) => !o.is_deleted && store.canSee(user, o));
    const rows = orgs.map((o) => `<tr><td><a href="${base}/organization/${o.id}">${e(o.name)}</a></td><td>${e(o.address?.value ?? '')}</td><td>${e((o.custom_fields[ORG_PHONE_FIELD_KEY] as string | null) ?? '')}</td><td>${e(store.user(o.owner_id)?.name ?? '')}</td></tr>`).join('');
    const body = `${banner(message, 'error')}<div class="card"><h2>Add organization</h2><form method="post" action="${base}/organizations" class="row" style="align-items:end">
<div><label for="new-org-name">Name</label><input id="new-org-name" name="name" required></div><div><label for="new-org-address">Address</label><input id="new-org-address" name="address"></div>
<div style="flex:0"><button type="submit">Save</button></div></form></div>
<div class="card"><h2>${orgs.length} organizations</h2><table><thead><tr><th>Name</th><th>Address</th><th>Phone</th><th>Owner</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    return page(req, { title: 'Organizations', active: 'organizations', body, status });
  };

  router.get('/organizations', (req) => organizationsList(req));

  router.post('/organizations', (req) => {
    const user = currentUser(store, req);
    const form = readForm(req);
    const input: Record<string, unknown> = { name: form.get('name') ?? '' };
    if (form.get('address')) input.address = { value: form.get('address') };
    try {
      const org = store.createOrganization(user.companyId, input, { userId: user.id, source: 'app' });
      return redirect(`${base}/organization/${org.id}`, 303);
    } catch (error) {
      return organizationsList(req, failureMessage(error), error instanceof ApiFailure ? error.status : 400);
    }
  });

  const organizationDetail = (req: SandboxRequest, org: OrganizationRecord, message: string | null = null, isError = false) => {
    const user = currentUser(store, req);
    const people = store.personsOf(user.companyId).filter((p) => p.org_id === org.id && !p.is_deleted && store.canSee(user, p));
    const body = `${banner(message, isError ? 'error' : 'info')}<p><a href="${base}/organizations">← Organizations</a></p><div class="grid"><aside>
<div class="card"><h2 style="margin:0">${e(org.name)}</h2><span class="muted">Organization #${org.id} · updated ${e(rfc3339(org.update_time))}</span></div>
${appPanel(req, user, 'organization', org.id)}
<div class="card"><h2>People</h2>${people.map((p) => `<div><a href="${base}/person/${p.id}">${e(p.name)}</a></div>`).join('') || '<span class="muted">None</span>'}</div></aside>
<div><div class="card"><h2>Details</h2><form method="post" action="${base}/organization/${org.id}">
<label for="o-name">Name</label><input id="o-name" name="name" value="${e(org.name)}">
<label for="o-address">Address</label><input id="o-address" name="address" value="${e(org.address?.value ?? '')}">
<label for="o-phone">Phone</label><input id="o-phone" name="phone" value="${e((org.custom_fields[ORG_PHONE_FIELD_KEY] as string | null) ?? '')}">
<label for="o-website">Website</label><input id="o-website" name="website" value="${e(org.website ?? '')}">
<div style="margin-top:14px"><button type="submit">Save</button></div></form>
<form method="post" action="${base}/organization/${org.id}/delete" onsubmit="return confirm('Delete this organization?')" style="margin-top:10px"><button type="submit" class="danger">Delete organization</button></form></div>
${filesCard(user, { field: 'org_id', id: org.id, path: 'organization' })}</div></div>`;
    return page(req, { title: org.name, active: 'organizations', body, withSdk: true, status: isError ? 400 : 200 });
  };

  router.get('/organization/:id', (req) => {
    const org = findOrganization(req);
    return org ? organizationDetail(req, org) : notFoundPage(req, 'Organization');
  });

  router.post('/organization/:id', (req) => {
    const org = findOrganization(req);
    if (!org) return notFoundPage(req, 'Organization');
    const user = currentUser(store, req);
    const form = readForm(req);
    const address = (form.get('address') ?? '').trim();
    const input: Record<string, unknown> = {
      name: form.get('name') ?? org.name,
      address: address ? (address === org.address?.value ? org.address : { value: address }) : null,
      website: form.get('website') || null,
      custom_fields: { [ORG_PHONE_FIELD_KEY]: form.get('phone') || null },
    };
    try {
      return organizationDetail(req, store.updateOrganization(user.companyId, org.id, input, { userId: user.id, source: 'app' }), 'Saved.');
    } catch (error) {
      return organizationDetail(req, org, failureMessage(error), true);
    }
  });

  router.post('/organization/:id/delete', (req) => {
    const org = findOrganization(req);
    if (!org) return notFoundPage(req, 'Organization');
    const user = currentUser(store, req);
    store.deleteOrganization(user.companyId, org.id, { userId: user.id, source: 'app' });
    return redirect(`${base}/organizations`, 303);
  });

  // ── deals ────────────────────────────────────────────────────────────────────────────────────
  router.get('/deals', (req) => {
    const user = currentUser(store, req);
    const deals = store.dealsOf(user.companyId).filter((d) => !d.is_deleted && store.canSee(user, d));
    const rows = deals.map((d) => `<tr><td><a href="${base}/deal/${d.id}">${e(d.title)}</a></td><td>${e(d.value.toLocaleString('en'))} ${e(d.currency)}</td><td><span class="badge">${e(d.status)}</span></td><td>${e(store.user(d.owner_id)?.name ?? '')}</td></tr>`).join('');
    return page(req, { title: 'Deals', active: 'deals', body: `<div class="card"><h2>${deals.length} deals</h2><table><thead><tr><th>Title</th><th>Value</th><th>Status</th><th>Owner</th></tr></thead><tbody>${rows}</tbody></table></div>` });
  });

  router.get('/deal/:id', (req) => {
    const user = currentUser(store, req);
    const deal = store.deal(user.companyId, Number(req.params.id));
    if (!deal || deal.is_deleted || !store.canSee(user, deal)) return notFoundPage(req, 'Deal');
    const person = deal.person_id ? store.person(user.companyId, deal.person_id) : undefined;
    const org = deal.org_id ? store.organizationIncludingDeleted(user.companyId, deal.org_id) : undefined;
    const body = `<p><a href="${base}/deals">← Deals</a></p><div class="grid"><aside>
<div class="card"><h2 style="margin:0">${e(deal.title)}</h2><span class="muted">Deal #${deal.id} · ${e(deal.value.toLocaleString('en'))} ${e(deal.currency)} · ${e(deal.status)}</span></div>
${appPanel(req, user, 'deal', deal.id)}</aside>
<div><div class="card"><h2>Details</h2><p>Person: ${person ? `<a href="${base}/person/${person.id}">${e(person.name)}</a>` : '–'}</p><p>Organization: ${org ? `<a href="${base}/organization/${org.id}">${e(org.name)}</a>` : '–'}</p>
<p>Owner: ${e(store.user(deal.owner_id)?.name ?? '')}</p><p class="muted">Updated ${e(rfc3339(deal.update_time))}</p></div>
${filesCard(user, { field: 'deal_id', id: deal.id, path: 'deal' })}</div></div>`;
    return page(req, { title: deal.title, active: 'deals', body, withSdk: true });
  });

  // ── marketplace ──────────────────────────────────────────────────────────────────────────────
  const marketplace = (req: SandboxRequest, message: string | null = null, isError = false) => {
    const user = currentUser(store, req);
    const installation = installs.find(user.companyId, user.id);
    const action = installation
      ? `<a class="button secondary" href="${base}/settings/marketplace/app/${e(app().clientId)}/app-settings">Settings</a>
<form method="post" action="${base}/settings/marketplace/uninstall" style="display:inline" onsubmit="return confirm('Uninstall Synclane? Your sync stops; files stay where they are.')"><button type="submit" class="danger">Uninstall</button></form>`
      : `<a class="button" href="${e(app().installationUrl)}">Install</a>`;
    const body = `${banner(message, isError ? 'error' : 'info')}<div class="card" style="max-width:760px"><div style="display:flex;gap:16px;align-items:start">
<div style="width:64px;height:64px;border-radius:14px;background:linear-gradient(135deg,#1b6ef3,#22a55b);color:#fff;font-size:30px;font-weight:800;display:flex;align-items:center;justify-content:center">S</div>
<div style="flex:1"><h2 style="margin:0 0 4px">Synclane</h2><p class="muted" style="margin:0 0 8px">Contact sync with Google &amp; Outlook, file sync with Dropbox, signed-document archive.</p>
${installation ? `<span class="badge">Installed ${e(new Date(installation.installedAt).toISOString().slice(0, 10))}</span>` : '<span class="badge">Not installed</span>'}</div>
<div style="display:flex;gap:8px">${action}</div></div></div>
<p class="muted">Installing runs the real OAuth flow: Synclane's installation URL starts the authorization with a signed state and you approve it on the consent screen.</p>`;
    return page(req, { title: 'Marketplace', active: 'marketplace', body });
  };

  router.get('/settings/marketplace', (req) => marketplace(req));

  router.post('/settings/marketplace/uninstall', async (req) => {
    const user = currentUser(store, req);
    if (!installs.find(user.companyId, user.id)) return marketplace(req, 'Synclane is not installed for you.', true);
    const result = await installs.uninstall(user.companyId, user.id);
    const outcome = result.callbackStatus !== null ? `Synclane answered the uninstall notification with HTTP ${result.callbackStatus}.` : `Synclane could not be notified (${result.callbackError}).`;
    return marketplace(req, `Synclane was uninstalled. ${outcome}`, result.callbackStatus === null || result.callbackStatus >= 400);
  });

  router.get('/settings/marketplace/app/:clientId/app-settings', (req) => {
    const user = currentUser(store, req);
    if (req.params.clientId !== app().clientId) return page(req, { title: 'App settings', active: 'marketplace', body: '<div class="card"><h2>App not found</h2></div>', status: 404 });
    if (!installs.find(user.companyId, user.id)) {
      return page(req, { title: 'Synclane settings', active: 'marketplace', body: `<div class="card"><h2>Synclane is not installed for you</h2><p><a href="${base}/settings/marketplace">Open the Marketplace</a> to install it.</p></div>` });
    }
    const surface = surfaces.issue('settings', user.companyId, user.id, ctx.now());
    const context: Record<string, string> = {};
    for (const [k, v] of req.url.searchParams) context[k] = v; // REDIRECT_TO {view:'settings', context} lands here
    const src = surfaceSrc(app().settingsUrl, surface, currentTheme(req), context);
    const body = `<p><a href="${base}/settings/marketplace">← Marketplace</a></p><div class="card" style="padding:0;overflow:hidden"><div class="surface"><iframe title="Synclane settings" data-surface-id="${surface.id}" data-surface-kind="settings" src="${e(src)}" style="height:600px"></iframe></div></div>`;
    return page(req, { title: 'Synclane settings', active: 'marketplace', body, withSdk: true });
  });

  // ── company settings (reviewer convenience: plan & Contact Sync) ──────────────────────────────
  const companySettings = (req: SandboxRequest, message: string | null = null, isError = false) => {
    const user = currentUser(store, req);
    const company = store.company(user.companyId);
    const body = `${banner(message, isError ? 'error' : 'info')}<div class="card" style="max-width:560px"><h2>${e(company.name)}</h2>
<form method="post" action="${base}/settings/company"><label for="c-plan">Plan</label><select id="c-plan" name="plan">${PLAN_NAMES.map((p) => `<option${p === company.plan ? ' selected' : ''}>${p}</option>`).join('')}</select>
<label style="display:flex;gap:8px;align-items:center;margin-top:12px"><input type="checkbox" name="contactSyncFields" value="1" style="width:auto"${company.contactSyncFields ? ' checked' : ''}> Contact Sync set up (job title, birthday, postal address, notes, instant messengers exist)</label>
<label style="display:flex;gap:8px;align-items:center;margin-top:12px"><input type="checkbox" name="productsEnabled" value="1" style="width:auto"${company.productsEnabled ? ' checked' : ''}> Products feature enabled (products exist and can hold files)</label>
<div style="margin-top:14px"><button type="submit"${user.isAdmin ? '' : ' disabled'}>Save</button>${user.isAdmin ? '' : ' <span class="muted">Only admins can change company settings.</span>'}</div></form></div>`;
    return page(req, { title: 'Company settings', body, status: isError ? 403 : 200 });
  };

  router.get('/settings/company', (req) => companySettings(req));

  router.post('/settings/company', (req) => {
    const user = currentUser(store, req);
    if (!user.isAdmin) return companySettings(req, 'Only admins can change company settings.', true);
    const form = readForm(req);
    const company = store.company(user.companyId);
    const plan = form.get('plan');
    if (isPlanName(plan)) company.plan = plan;
    company.contactSyncFields = form.get('contactSyncFields') === '1';
    company.productsEnabled = form.get('productsEnabled') === '1';
    return companySettings(req, 'Saved.');
  });
}

/** Custom modals are registered per action in Developer Hub; the sandbox maps action ids to this URL. */
export function customModalUrl(appUrl: string, actionId: string): string {
  return `${appUrl}/embedded/pipedrive/modals/${encodeURIComponent(actionId)}`;
}
