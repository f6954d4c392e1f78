/**
 * Microsoft Graph v1.0 `/me`, contact folders, contacts, photos, open extensions and delta
 * (providers.md §5.2–5.4), mounted at `/microsoft/graph/v1.0`. Path keywords are case-insensitive
 * like Graph's; ids are case-sensitive.
 */
import { BadBody, json, noContent, readJson, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import {
  contactId,
  contactToWire,
  extensionToWire,
  findExtension,
  parseContactExpand,
  parseContactSelect,
  type ContactStore,
} from './contact-store';
import type { GraphDelta } from './graph-delta';
import { GraphApiError, itemNotFound } from './graph-errors';
import { hasScope } from './identity-server';
import { GRAPH_PREFIX, type AccessTokenGrant, type ContactFolder, type MicrosoftState, type StoredContact } from './microsoft-state';

export type GraphCall = {
  req: Omit<SandboxRequest, 'params'>;
  grant: AccessTokenGrant;
  email: string;
  params: Record<string, string>;
  immutableIds: boolean;
  /** Absolute URL of this request without its query (on the sandbox origin). */
  url: string;
};

type GraphHandler = (call: GraphCall) => SandboxResponse;
type Route = { method: string; segments: string[]; handler: GraphHandler; access: 'user' | 'read' | 'write' };

const MAX_TOP = 1000;
const DEFAULT_TOP = 10;

export class GraphContactsApi {
  private routes: Route[] = [];

  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => MicrosoftState,
    private readonly store: ContactStore,
    private readonly delta: GraphDelta,
  ) {
    this.registerRoutes();
  }

  get graphBaseUrl(): string {
    return `${this.ctx.baseUrl}/microsoft${GRAPH_PREFIX}`;
  }

  /** `path` is relative to `/microsoft/graph/v1.0`. Throws GraphApiError. */
  handle(req: Omit<SandboxRequest, 'params'>, grant: AccessTokenGrant, path: string): SandboxResponse {
    const segments = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      this.checkAccess(grant, route.access);
      const prefer = String(req.headers.prefer ?? '');
      const call: GraphCall = {
        req,
        grant,
        email: grant.accountEmail,
        params,
        immutableIds: /IdType\s*=\s*"?ImmutableId"?/i.test(prefer),
        url: `${this.ctx.baseUrl}/microsoft${req.url.pathname.slice(req.url.pathname.toLowerCase().indexOf('/graph/'))}`,
      };
      const response = route.handler(call);
      if (call.immutableIds) response.headers = { ...response.headers, 'preference-applied': [response.headers?.['preference-applied'], 'IdType="ImmutableId"'].filter(Boolean).join(', ') };
      return response;
    }
    if (pathMatched) throw new GraphApiError(405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed for this resource.`);
    const unknown = segments.find((s, i) => !this.routes.some((r) => r.segments.length > i && (r.segments[i].startsWith(':') || r.segments[i].toLowerCase() === s.toLowerCase()))) ?? segments.at(-1) ?? '';
    throw new GraphApiError(400, 'BadRequest', `Resource not found for the segment '${unknown}'.`);
  }

  private checkAccess(grant: AccessTokenGrant, access: Route['access']): void {
    const allowed =
      access === 'user'
        ? hasScope(grant, 'User.Read', 'User.ReadWrite', 'User.ReadBasic.All')
        : access === 'read'
          ? hasScope(grant, 'Contacts.Read', 'Contacts.ReadWrite')
          : hasScope(grant, 'Contacts.ReadWrite');
    if (!allowed) throw new GraphApiError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  }

  private add(method: string, pattern: string, access: Route['access'], handler: GraphHandler): void {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler, access });
  }

  private registerRoutes(): void {
    this.add('GET', 'me', 'user', (call) => this.me(call));

    this.add('GET', 'me/contactFolders', 'read', (call) => this.folderList(call, this.store.listFolders(call.email)));
    this.add('POST', 'me/contactFolders', 'write', (call) => this.folderCreate(call));
    this.add('GET', 'me/contactFolders/:folderId', 'read', (call) => json(200, this.folderWire(this.store.folder(call.email, call.params.folderId), true)));
    this.add('GET', 'me/contactFolders/:folderId/childFolders', 'read', (call) => {
      this.store.folder(call.email, call.params.folderId);
      return this.folderList(call, this.store.listFolders(call.email, call.params.folderId));
    });
    this.add('POST', 'me/contactFolders/:folderId/childFolders', 'write', (call) => this.folderCreate(call, call.params.folderId));

    // Delta before `contacts/:contactId` so "delta" is not taken for an id.
    for (const fn of ['delta', 'delta()']) {
      this.add('GET', `me/contacts/${fn}`, 'read', (call) => this.deltaPage(call, this.store.mailbox(call.email).defaultFolderId));
      this.add('GET', `me/contactFolders/:folderId/contacts/${fn}`, 'read', (call) => this.deltaPage(call, call.params.folderId));
    }

    for (const base of ['me/contacts', 'me/contactFolders/:folderId/contacts']) {
      const folderOf = (call: GraphCall) => call.params.folderId ?? this.store.mailbox(call.email).defaultFolderId;
      const scopeFolder = (call: GraphCall) => call.params.folderId;
      this.add('GET', base, 'read', (call) => this.contactList(call, folderOf(call)));
      this.add('POST', base, 'write', (call) => {
        const contact = this.store.createContact(call.email, folderOf(call), readGraphJson(call.req));
        return json(201, this.contactWire(call, contact, { context: true }));
      });
      const item = `${base}/:contactId`;
      this.add('GET', item, 'read', (call) => json(200, this.contactWire(call, this.store.getContact(call.email, call.params.contactId, scopeFolder(call)), { context: true, query: true })));
      this.add('PATCH', item, 'write', (call) => {
        const ifMatch = call.req.headers['if-match'];
        const contact = this.store.updateContact(call.email, call.params.contactId, readGraphJson(call.req), { folderId: scopeFolder(call), ifMatch: typeof ifMatch === 'string' ? ifMatch : undefined });
        return json(200, this.contactWire(call, contact, { context: true }));
      });
      this.add('DELETE', item, 'write', (call) => {
        this.store.deleteContact(call.email, call.params.contactId, scopeFolder(call));
        return noContent();
      });

      this.add('GET', `${item}/photo`, 'read', (call) => {
        const contact = this.store.getContact(call.email, call.params.contactId, scopeFolder(call));
        const photo = this.store.photoOf(contact);
        return json(200, {
          '@odata.context': `${this.graphBaseUrl}/$metadata#users('${this.userId(call)}')/contacts('${contactId(contact, call.immutableIds)}')/photo/$entity`,
          '@odata.mediaContentType': photo.contentType,
          '@odata.mediaEtag': `W/"${photo.base64.length.toString(16)}${contact.changeKey.slice(-8)}"`,
          id: `${photo.width}X${photo.height}`,
          height: photo.height,
          width: photo.width,
        });
      });
      this.add('GET', `${item}/photo/$value`, 'read', (call) => {
        const photo = this.store.photoOf(this.store.getContact(call.email, call.params.contactId, scopeFolder(call)));
        return { status: 200, headers: { 'content-type': photo.contentType }, body: Buffer.from(photo.base64, 'base64') };
      });
      this.add('PUT', `${item}/photo/$value`, 'write', (call) => {
        const contentType = String(call.req.headers['content-type'] ?? 'image/jpeg').split(';')[0];
        this.store.setPhoto(call.email, call.params.contactId, call.req.body, contentType, scopeFolder(call));
        return { status: 200, headers: {}, body: '' };
      });

      this.add('GET', `${item}/extensions`, 'read', (call) => {
        const contact = this.store.getContact(call.email, call.params.contactId, scopeFolder(call));
        return json(200, {
          '@odata.context': `${this.graphBaseUrl}/$metadata#users('${this.userId(call)}')/contacts('${contactId(contact, call.immutableIds)}')/extensions`,
          value: contact.extensions.map(extensionToWire),
        });
      });
      this.add('POST', `${item}/extensions`, 'write', (call) => {
        const extension = this.store.addExtension(call.email, call.params.contactId, readGraphJson(call.req), scopeFolder(call));
        return json(201, { '@odata.context': `${this.graphBaseUrl}/$metadata#users('${this.userId(call)}')/contacts/extensions/$entity`, ...extensionToWire(extension) });
      });
      this.add('GET', `${item}/extensions/:extensionId`, 'read', (call) => {
        const contact = this.store.getContact(call.email, call.params.contactId, scopeFolder(call));
        const extension = findExtension(contact, call.params.extensionId);
        if (!extension) throw itemNotFound();
        return json(200, extensionToWire(extension));
      });
      this.add('PATCH', `${item}/extensions/:extensionId`, 'write', (call) => {
        this.store.updateExtension(call.email, call.params.contactId, call.params.extensionId, readGraphJson(call.req), scopeFolder(call));
        return noContent();
      });
      this.add('DELETE', `${item}/extensions/:extensionId`, 'write', (call) => {
        this.store.deleteExtension(call.email, call.params.contactId, call.params.extensionId, scopeFolder(call));
        return noContent();
      });
    }
  }

  private userId(call: GraphCall): string {
    return this.state().accounts[call.email].id;
  }

  private me(call: GraphCall): SandboxResponse {
    const account = this.state().accounts[call.email];
    return json(200, {
      '@odata.context': `${this.graphBaseUrl}/$metadata#users/$entity`,
      businessPhones: [],
      displayName: account.displayName,
      givenName: account.givenName,
      jobTitle: null,
      mail: account.email,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: 'en-US',
      surname: account.surname,
      userPrincipalName: account.email,
      id: account.id,
    });
  }

  private folderWire(folder: ContactFolder, withContext = false): Record<string, unknown> {
    return {
      ...(withContext ? { '@odata.context': `${this.graphBaseUrl}/$metadata#me/contactFolders/$entity` } : {}),
      id: folder.id,
      displayName: folder.displayName,
      parentFolderId: folder.parentFolderId,
    };
  }

  private folderList(call: GraphCall, folders: ContactFolder[]): SandboxResponse {
    return this.page(call, folders.map((f) => this.folderWire(f)), `${this.graphBaseUrl}/$metadata#users('${this.userId(call)}')/contactFolders`);
  }

  private folderCreate(call: GraphCall, parentFolderId?: string): SandboxResponse {
    const body = readGraphJson(call.req) as { displayName?: unknown } | undefined;
    const folder = this.store.createFolder(call.email, body?.displayName, parentFolderId);
    return json(201, this.folderWire(folder, true));
  }

  private contactList(call: GraphCall, folderId: string): SandboxResponse {
    const query = call.req.url.searchParams;
    let contacts = this.store.listContacts(call.email, folderId);
    const filter = query.get('$filter');
    if (filter) contacts = contacts.filter(compileFilter(filter));
    const orderBy = query.get('$orderby');
    if (orderBy) contacts = sortContacts(contacts, orderBy);
    const select = parseContactSelect(query.get('$select'));
    const expandExtensions = parseContactExpand(query.get('$expand'));
    return this.page(
      call,
      contacts,
      `${this.graphBaseUrl}/$metadata#users('${this.userId(call)}')/contacts${select ? `(${select.join(',')})` : ''}`,
      (c) => contactToWire(c, { immutableIds: call.immutableIds, select, expandExtensions }),
    );
  }

  /** `$top` / `$skip` paging with an absolute `@odata.nextLink` on the sandbox origin. */
  private page<T>(call: GraphCall, items: T[], context: string, toWire: (item: T) => unknown = (x) => x): SandboxResponse {
    const query = call.req.url.searchParams;
    const top = parseNonNegative(query.get('$top'), '$top') ?? DEFAULT_TOP;
    const skip = parseNonNegative(query.get('$skip'), '$skip') ?? 0;
    const size = Math.min(Math.max(top, 1), MAX_TOP);
    const slice = items.slice(skip, skip + size);
    const body: Record<string, unknown> = { '@odata.context': context, value: slice.map(toWire) };
    if (skip + size < items.length) {
      const next = new URLSearchParams(query);
      next.set('$top', String(size));
      next.set('$skip', String(skip + size));
      body['@odata.nextLink'] = `${call.url}?${[...next].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
    }
    return json(200, body);
  }

  private contactWire(call: GraphCall, contact: StoredContact, options: { context?: boolean; query?: boolean } = {}): Record<string, unknown> {
    const query = call.req.url.searchParams;
    const select = options.query ? parseContactSelect(query.get('$select')) : undefined;
    const expandExtensions = options.query ? parseContactExpand(query.get('$expand')) : undefined;
    const wire = contactToWire(contact, { immutableIds: call.immutableIds, select, expandExtensions });
    if (!options.context) return wire;
    return { '@odata.context': `${this.graphBaseUrl}/$metadata#users('${this.userId(call)}')/contacts/$entity`, ...wire };
  }

  private deltaPage(call: GraphCall, folderId: string): SandboxResponse {
    return this.delta.page({
      email: call.email,
      folderId,
      query: call.req.url.searchParams,
      preferHeader: String(call.req.headers.prefer ?? ''),
      immutableIds: call.immutableIds,
      endpointUrl: call.url,
    });
  }
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    const s = decodeURIComponent(segments[i]);
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p.toLowerCase() !== s.toLowerCase()) return null;
  }
  return params;
}

function readGraphJson(req: Pick<SandboxRequest, 'body'>): unknown {
  try {
    return readJson(req);
  } catch (error) {
    if (error instanceof BadBody) throw new GraphApiError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    throw error;
  }
}

function parseNonNegative(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new GraphApiError(400, 'BadRequest', `Invalid value '${value}' for query option ${name}.`);
  return n;
}

const FILTERABLE = new Set(['displayName', 'givenName', 'surname', 'companyName', 'jobTitle', 'mobilePhone', 'department']);

/** The $filter shapes sync code uses: `emailAddresses/any(a:a/address eq 'x')` and `<string prop> eq 'x'`. */
function compileFilter(filter: string): (contact: StoredContact) => boolean {
  const any = /^emailAddresses\/any\((\w+):\1\/address eq '((?:[^']|'')*)'\)$/i.exec(filter.trim());
  if (any) {
    const wanted = any[2].replace(/''/g, "'").toLowerCase();
    return (c) => c.fields.emailAddresses.some((e) => e.address?.toLowerCase() === wanted);
  }
  const eq = /^(\w+) eq '((?:[^']|'')*)'$/i.exec(filter.trim());
  if (eq && FILTERABLE.has(eq[1])) {
    const key = eq[1] as 'displayName';
    const wanted = eq[2].replace(/''/g, "'").toLowerCase();
    return (c) => (c.fields[key] ?? '').toLowerCase() === wanted;
  }
  throw new GraphApiError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
}

function sortContacts(contacts: StoredContact[], orderBy: string): StoredContact[] {
  const [field, direction] = orderBy.trim().split(/\s+/);
  const value = (c: StoredContact): string =>
    field === 'createdDateTime' || field === 'lastModifiedDateTime' ? c[field] : String((c.fields as Record<string, unknown>)[field] ?? '');
  if (field !== 'createdDateTime' && field !== 'lastModifiedDateTime' && !FILTERABLE.has(field)) {
    throw new GraphApiError(400, 'ErrorInvalidProperty', `The property '${field}' does not support sorting.`);
  }
  const sign = direction?.toLowerCase() === 'desc' ? -1 : 1;
  return [...contacts].sort((a, b) => sign * value(a).localeCompare(value(b)));
}
