/**
 * Per-account contact and contact-group store with the People API's write rules (singletons, etags,
 * memberships) and its wire projection (item metadata, formattedType, canonicalForm, displayName...).
 * Every write bumps the account's change sequence, which drives sync tokens and LAST_MODIFIED sorting.
 */
import { createHash } from 'node:crypto';
import {
  ETAG_MISMATCH_MESSAGE,
  GoogleApiError,
  failedPrecondition,
  invalidArgument,
  notFound,
} from './google-errors';
import type { GoogleAccount, GoogleState, PersonFields, StoredContact, StoredGroup } from './google-state';
import {
  MY_CONTACTS,
  OUTPUT_ONLY_PERSON_FIELDS,
  SINGLETON_PERSON_FIELDS,
  STARRED,
  SYSTEM_GROUPS,
  UPDATABLE_PERSON_FIELDS,
  type SortOrder,
} from './person-fields';

export type Person = Record<string, unknown>;

const UPDATABLE = new Set<string>(UPDATABLE_PERSON_FIELDS);
const OUTPUT_ONLY = new Set<string>(OUTPUT_ONLY_PERSON_FIELDS);
const ITEM_OUTPUT_ONLY = ['metadata', 'formattedType', 'canonicalForm', 'displayNameLastFirst', 'formattedProtocol', 'formattedValue'];
/** formattedValue is writable on addresses only. */
const KEEP_FORMATTED_VALUE = new Set(['addresses']);

const TYPE_LABELS: Record<string, string> = {
  home: 'Home', work: 'Work', other: 'Other', mobile: 'Mobile', homeFax: 'Home Fax', workFax: 'Work Fax',
  otherFax: 'Other Fax', pager: 'Pager', workMobile: 'Work Mobile', workPager: 'Work Pager', main: 'Main',
  googleVoice: 'Google Voice', school: 'School', blog: 'Blog', profile: 'Profile', homePage: 'Home Page',
  ftp: 'FTP', reservations: 'Reservations', appInstallPage: 'App Install Page', anniversary: 'Anniversary',
};
const PROTOCOL_LABELS: Record<string, string> = {
  aim: 'AIM', msn: 'MSN', yahoo: 'Yahoo', skype: 'Skype', qq: 'QQ', googleTalk: 'Google Talk', icq: 'ICQ',
  jabber: 'Jabber', netMeeting: 'NetMeeting',
};

export function makeEtag(seed: string): string {
  return `%${createHash('sha1').update(seed).digest('base64').slice(0, 26)}`;
}

export function contactIdOf(resourceName: string): string {
  return resourceName.slice('people/c'.length);
}

/** Hex id used in `metadata.sources[].id`, as Google does for contact sources. */
export function sourceIdOf(resourceName: string): string {
  const digits = contactIdOf(resourceName);
  return /^\d+$/.test(digits) ? BigInt(digits).toString(16) : digits;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function displayNameOf(person: PersonFields): string {
  const name = (person.names as Record<string, string>[] | undefined)?.[0];
  if (name) {
    const full = [name.honorificPrefix, name.givenName, name.middleName, name.familyName, name.honorificSuffix]
      .filter(Boolean)
      .join(' ');
    if (full) return full;
    if (name.unstructuredName) return name.unstructuredName;
  }
  const email = (person.emailAddresses as { value?: string }[] | undefined)?.[0]?.value;
  if (email) return email;
  const phone = (person.phoneNumbers as { value?: string }[] | undefined)?.[0]?.value;
  return phone ?? '';
}

function canonicalPhone(value: string): string | undefined {
  const trimmed = value.trim();
  const international = trimmed.startsWith('+') ? trimmed : trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : null;
  if (!international) return undefined;
  const digits = international.replace(/[^\d]/g, '');
  return digits.length >= 7 && digits.length <= 15 ? `+${digits}` : undefined;
}

function formattedAddress(a: Record<string, string>): string {
  const cityLine = [a.postalCode, a.city].filter(Boolean).join(' ');
  return [a.poBox, a.streetAddress, a.extendedAddress, cityLine, a.region, a.country].filter(Boolean).join('\n');
}

export type SortKey = (string | number)[];

export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

export function sortKeyOf(contact: StoredContact, order: SortOrder): SortKey {
  const name = (contact.person.names as Record<string, string>[] | undefined)?.[0] ?? {};
  switch (order) {
    case 'LAST_MODIFIED_DESCENDING':
      return [-contact.seq];
    case 'FIRST_NAME_ASCENDING':
      return [(name.givenName ?? displayNameOf(contact.person)).toLowerCase(), contact.resourceName];
    case 'LAST_NAME_ASCENDING':
      return [(name.familyName ?? displayNameOf(contact.person)).toLowerCase(), contact.resourceName];
    default:
      return [contact.seq];
  }
}

export type WriteOptions = { now: number; propagationDelayMs: number };

export class PersonStore {
  /** Sorted live contacts per account and sort order, rebuilt when the account's sequence moves. */
  private sortCache = new Map<string, { seq: number; list: StoredContact[]; keys: SortKey[] }>();

  constructor(
    private state: () => GoogleState,
    private baseUrl: string,
  ) {}

  clearCaches(): void {
    this.sortCache.clear();
  }

  account(email: string): GoogleAccount {
    const account = this.state().accounts[email.toLowerCase()];
    if (!account) throw notFound(`Unknown Google account ${email}`);
    return account;
  }

  // ---------------------------------------------------------------- reads

  getLive(account: GoogleAccount, resourceName: string): StoredContact {
    const contact = account.contacts[resourceName];
    if (!contact || contact.deleted) throw notFound();
    return contact;
  }

  /** Live contacts in `order`, with their sort keys (cached between writes). */
  sorted(account: GoogleAccount, order: SortOrder): { list: StoredContact[]; keys: SortKey[] } {
    const cacheKey = `${account.email}|${order}`;
    const cached = this.sortCache.get(cacheKey);
    if (cached && cached.seq === account.seq) return cached;
    const entries = Object.values(account.contacts)
      .filter((c) => !c.deleted)
      .map((c) => ({ c, k: sortKeyOf(c, order) }));
    entries.sort((a, b) => compareKeys(a.k, b.k));
    const result = { seq: account.seq, list: entries.map((e) => e.c), keys: entries.map((e) => e.k) };
    this.sortCache.set(cacheKey, result);
    return result;
  }

  /**
   * Highest sequence number an incremental sync may advance to: every change at or below it is visible.
   * With a propagation delay, a not-yet-visible write holds the cursor back so it is delivered later.
   */
  visibleCursor(account: GoogleAccount, now: number, upTo = account.seq): number {
    let cursor = upTo;
    for (const c of Object.values(account.contacts)) {
      if (c.seq <= upTo && c.visibleAt > now && c.seq - 1 < cursor) cursor = c.seq - 1;
    }
    return cursor;
  }

  /** Contacts (live and tombstones) changed in (fromSeq, upToSeq], in change order. */
  changesBetween(account: GoogleAccount, fromSeq: number, upToSeq: number): StoredContact[] {
    return Object.values(account.contacts)
      .filter((c) => c.seq > fromSeq && c.seq <= upToSeq)
      .sort((a, b) => a.seq - b.seq);
  }

  // ---------------------------------------------------------------- projection

  toWire(account: GoogleAccount, contact: StoredContact, fields: ReadonlySet<string>): Person {
    const sourceId = sourceIdOf(contact.resourceName);
    const source = { type: 'CONTACT', id: sourceId };
    const out: Person = { resourceName: contact.resourceName, etag: contact.etag };
    if (contact.deleted) {
      out.metadata = { sources: [{ ...source, etag: contact.etag, updateTime: iso(contact.updateTime) }], deleted: true, objectType: 'PERSON' };
      return out;
    }
    if (fields.has('metadata')) {
      out.metadata = { sources: [{ ...source, etag: contact.etag, updateTime: iso(contact.updateTime) }], objectType: 'PERSON' };
    }
    for (const field of fields) {
      if (field === 'metadata' || field === 'memberships' || field === 'photos') continue;
      const items = contact.person[field];
      if (!Array.isArray(items) || items.length === 0) continue;
      out[field] = items.map((item, i) => this.decorateItem(field, item as Record<string, unknown>, i, source));
    }
    if (fields.has('memberships') && contact.groups.length) {
      out.memberships = contact.groups.map((rn) => ({
        metadata: { source },
        contactGroupMembership: { contactGroupId: rn.slice('contactGroups/'.length), contactGroupResourceName: rn },
      }));
    }
    if (fields.has('photos')) {
      out.photos = contact.photoId
        ? [{ metadata: { primary: true, source }, url: `${this.baseUrl}/google/photos/${contact.photoId}` }]
        : [{ metadata: { primary: true, source }, url: this.defaultPhotoUrl(contact), default: true }];
    }
    return out;
  }

  private defaultPhotoUrl(contact: StoredContact): string {
    const initial = (displayNameOf(contact.person).trim()[0] ?? '?').toUpperCase();
    return `${this.baseUrl}/google/photos/default/${encodeURIComponent(initial)}`;
  }

  private decorateItem(field: string, item: Record<string, unknown>, index: number, source: object): Record<string, unknown> {
    const out: Record<string, unknown> = {
      metadata: index === 0 ? { primary: true, sourcePrimary: true, source } : { source },
      ...item,
    };
    const type = item.type as string | undefined;
    if (type && field !== 'genders') out.formattedType = TYPE_LABELS[type] ?? type;
    switch (field) {
      case 'names': {
        const display = displayNameOf({ names: [item] });
        const name = item as Record<string, string>;
        const first = [name.givenName, name.middleName].filter(Boolean).join(' ');
        out.displayName = display;
        out.displayNameLastFirst = name.familyName ? [name.familyName, first].filter(Boolean).join(', ') : display;
        out.unstructuredName = name.unstructuredName ?? display;
        break;
      }
      case 'phoneNumbers': {
        const canonical = canonicalPhone(String(item.value ?? ''));
        if (canonical) out.canonicalForm = canonical;
        break;
      }
      case 'addresses':
        if (!item.formattedValue) out.formattedValue = formattedAddress(item as Record<string, string>);
        break;
      case 'imClients':
        if (item.protocol) out.formattedProtocol = PROTOCOL_LABELS[item.protocol as string] ?? item.protocol;
        break;
      case 'genders':
        if (item.value) out.formattedValue = String(item.value).replace(/^./, (c) => c.toUpperCase());
        break;
      case 'organizations':
        if (!type) out.formattedType = 'Work';
        break;
      default:
        break;
    }
    return out;
  }

  // ---------------------------------------------------------------- validation

  /** Validates a Person request body and returns its storable fields (only `onlyFields` when given). */
  parsePersonInput(body: unknown, onlyFields?: ReadonlySet<string>): { fields: PersonFields; groups?: string[] } {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('Invalid JSON payload received. Expected a Person object.');
    const input = body as Record<string, unknown>;
    for (const key of Object.keys(input)) {
      if (!UPDATABLE.has(key) && !OUTPUT_ONLY.has(key)) {
        throw invalidArgument(`Invalid JSON payload received. Unknown name "${key}" at 'person': Cannot find field.`, `person.${key}`);
      }
    }
    const fields: PersonFields = {};
    let groups: string[] | undefined;
    for (const key of UPDATABLE_PERSON_FIELDS) {
      if (onlyFields && !onlyFields.has(key)) continue;
      const value = input[key];
      if (value === undefined || value === null) continue;
      if (!Array.isArray(value)) throw invalidArgument(`Invalid value at 'person.${key}': expected a list.`, `person.${key}`);
      if ((SINGLETON_PERSON_FIELDS as readonly string[]).includes(key) && value.length > 1) {
        throw invalidArgument(`Invalid person.${key}: only a single ${key.replace(/s$/, '')} is allowed for a contact.`, `person.${key}`);
      }
      if (key === 'memberships') {
        groups = value.map((m, i) => {
          const membership = (m as { contactGroupMembership?: { contactGroupResourceName?: string; contactGroupId?: string } })?.contactGroupMembership;
          const rn = membership?.contactGroupResourceName ?? (membership?.contactGroupId ? `contactGroups/${membership.contactGroupId}` : undefined);
          if (!rn) throw invalidArgument(`Invalid person.memberships[${i}]: contactGroupMembership.contactGroupResourceName is required.`, `person.memberships[${i}]`);
          return rn;
        });
        continue;
      }
      fields[key] = value.map((item, i) => this.cleanItem(key, item, i));
    }
    return { fields, groups };
  }

  private cleanItem(field: string, item: unknown, index: number): Record<string, unknown> {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw invalidArgument(`Invalid value at 'person.${field}[${index}]': expected an object.`, `person.${field}[${index}]`);
    }
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      if (v === undefined || v === null) continue;
      if (ITEM_OUTPUT_ONLY.includes(k) && !(k === 'formattedValue' && KEEP_FORMATTED_VALUE.has(field))) continue;
      if (field === 'names' && k === 'displayName') continue;
      clean[k] = v;
    }
    if (field === 'names') {
      const name = clean as Record<string, string>;
      const hasParts = ['givenName', 'familyName', 'middleName', 'honorificPrefix', 'honorificSuffix'].some((k) => name[k]);
      if (!hasParts && name.unstructuredName) {
        const [given, ...rest] = name.unstructuredName.trim().split(/\s+/);
        name.givenName = given;
        if (rest.length) name.familyName = rest.join(' ');
      }
      if (hasParts) delete name.unstructuredName;
    }
    if ((field === 'clientData' || field === 'userDefined') && (typeof clean.key !== 'string' || !clean.key)) {
      throw invalidArgument(`Invalid person.${field}[${index}]: key is required.`, `person.${field}[${index}].key`);
    }
    return clean;
  }

  resolveGroups(account: GoogleAccount, groups: string[]): string[] {
    const unique = [...new Set(groups)];
    for (const rn of unique) {
      const group = account.groups[rn];
      if (!group || group.deleted) throw invalidArgument(`Contact group not found: ${rn}`, 'person.memberships');
    }
    return unique;
  }

  // ---------------------------------------------------------------- writes

  private nextResourceName(account: GoogleAccount): string {
    const n = account.nextContactNumber++;
    return `people/c${account.idPrefix}${String(n).padStart(10, '0')}`;
  }

  private touch(account: GoogleAccount, contact: StoredContact, opts: WriteOptions): void {
    contact.seq = ++account.seq;
    contact.updateTime = opts.now;
    contact.visibleAt = opts.now + opts.propagationDelayMs;
    contact.etag = makeEtag(`${contact.resourceName}:${contact.seq}:${opts.now}`);
  }

  createContact(account: GoogleAccount, body: unknown, opts: WriteOptions): StoredContact {
    const { fields, groups } = this.parsePersonInput(body);
    const resolved = this.resolveGroups(account, groups ?? []);
    return this.insertContact(account, fields, [MY_CONTACTS, ...resolved.filter((g) => g !== MY_CONTACTS)], opts);
  }

  /** Inserts already-validated fields (demo data, bulk generation, batch create). */
  insertContact(account: GoogleAccount, fields: PersonFields, groups: string[], opts: WriteOptions, photoId?: string): StoredContact {
    const contact: StoredContact = {
      resourceName: this.nextResourceName(account),
      person: fields,
      groups,
      ...(photoId ? { photoId } : {}),
      etag: '',
      createTime: opts.now,
      updateTime: opts.now,
      seq: 0,
      visibleAt: opts.now,
    };
    this.touch(account, contact, opts);
    account.contacts[contact.resourceName] = contact;
    return contact;
  }

  /** Checks the request etag (top-level or metadata.sources[].etag) against the stored one. */
  checkEtag(contact: StoredContact, body: unknown): void {
    const input = (body ?? {}) as { etag?: string; metadata?: { sources?: { etag?: string }[] } };
    const etag = input.etag ?? input.metadata?.sources?.find((s) => s?.etag)?.etag;
    if (!etag) {
      throw invalidArgument('Request must set person.etag or person.metadata.sources.etag for the source that is being updated.', 'person.etag');
    }
    if (etag !== contact.etag) throw failedPrecondition(ETAG_MISMATCH_MESSAGE, 'FAILED_PRECONDITION');
  }

  /** Validates an update without applying it (batch updates are all-or-nothing). */
  prepareUpdate(account: GoogleAccount, resourceName: string, body: unknown, updateFields: ReadonlySet<string>) {
    const contact = this.getLive(account, resourceName);
    this.checkEtag(contact, body);
    const { fields, groups } = this.parsePersonInput(body, updateFields);
    let newGroups: string[] | undefined;
    if (updateFields.has('memberships')) {
      if (!groups?.length) throw invalidArgument('Invalid person.memberships: a contact must be a member of at least one contact group.', 'person.memberships');
      newGroups = this.resolveGroups(account, groups);
    }
    return { contact, fields, newGroups };
  }

  applyUpdate(
    account: GoogleAccount,
    prepared: ReturnType<PersonStore['prepareUpdate']>,
    updateFields: ReadonlySet<string>,
    opts: WriteOptions,
  ): StoredContact {
    const { contact, fields, newGroups } = prepared;
    for (const field of updateFields) {
      if (field === 'memberships') continue;
      if (fields[field] && (fields[field] as unknown[]).length) contact.person[field] = fields[field];
      else delete contact.person[field];
    }
    if (newGroups) contact.groups = newGroups;
    this.touch(account, contact, opts);
    return contact;
  }

  updateContact(account: GoogleAccount, resourceName: string, body: unknown, updateFields: ReadonlySet<string>, opts: WriteOptions): StoredContact {
    return this.applyUpdate(account, this.prepareUpdate(account, resourceName, body, updateFields), updateFields, opts);
  }

  deleteContact(account: GoogleAccount, resourceName: string, opts: WriteOptions): void {
    const contact = this.getLive(account, resourceName);
    if (contact.photoId) delete account.photos[contact.photoId];
    contact.deleted = true;
    contact.person = {};
    contact.groups = [];
    delete contact.photoId;
    this.touch(account, contact, opts);
  }

  setPhoto(account: GoogleAccount, resourceName: string, bytes: Buffer, opts: WriteOptions): StoredContact {
    const contact = this.getLive(account, resourceName);
    const contentType = sniffImage(bytes);
    if (!contentType) throw invalidArgument('Invalid photo bytes: expected a JPEG, PNG, GIF or WebP image.', 'photoBytes');
    if (contact.photoId) delete account.photos[contact.photoId];
    this.touch(account, contact, opts);
    contact.photoId = createHash('sha1').update(`${contact.resourceName}:${contact.seq}`).digest('hex').slice(0, 20);
    account.photos[contact.photoId] = { contentType, base64: bytes.toString('base64') };
    return contact;
  }

  deletePhoto(account: GoogleAccount, resourceName: string, opts: WriteOptions): StoredContact {
    const contact = this.getLive(account, resourceName);
    if (contact.photoId) {
      delete account.photos[contact.photoId];
      delete contact.photoId;
      this.touch(account, contact, opts);
    }
    return contact;
  }

  // ---------------------------------------------------------------- contact groups

  liveGroups(account: GoogleAccount): StoredGroup[] {
    return Object.values(account.groups).filter((g) => !g.deleted);
  }

  getGroup(account: GoogleAccount, resourceName: string): StoredGroup {
    const group = account.groups[resourceName];
    if (!group || group.deleted) throw notFound();
    return group;
  }

  memberCounts(account: GoogleAccount): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of Object.values(account.contacts)) {
      if (c.deleted) continue;
      for (const g of c.groups) counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    return counts;
  }

  members(account: GoogleAccount, groupResourceName: string): string[] {
    return Object.values(account.contacts)
      .filter((c) => !c.deleted && c.groups.includes(groupResourceName))
      .map((c) => c.resourceName);
  }

  private touchGroup(account: GoogleAccount, group: StoredGroup, now: number): void {
    group.seq = ++account.seq;
    group.updateTime = now;
    group.etag = makeEtag(`${group.resourceName}:${group.seq}:${now}`);
  }

  private assertUniqueName(account: GoogleAccount, name: string, except?: string): void {
    const taken = this.liveGroups(account).some(
      (g) => g.resourceName !== except && g.name.trim().toLowerCase() === name.trim().toLowerCase(),
    );
    if (taken) throw new GoogleApiError('ALREADY_EXISTS', 'Contact group name already exists.', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ALREADY_EXISTS', domain: 'people.googleapis.com' }]);
  }

  createGroup(account: GoogleAccount, name: unknown, clientData: unknown, now: number): StoredGroup {
    if (typeof name !== 'string' || !name.trim()) throw invalidArgument('contactGroup.name is required.', 'contact_group.name');
    this.assertUniqueName(account, name);
    const id = `${Number(account.idPrefix).toString(16)}${(account.nextGroupNumber++).toString(16).padStart(4, '0')}`;
    const group: StoredGroup = {
      resourceName: `contactGroups/${id}`,
      name: name.trim(),
      groupType: 'USER_CONTACT_GROUP',
      ...(Array.isArray(clientData) && clientData.length ? { clientData: clientData as StoredGroup['clientData'] } : {}),
      etag: '',
      updateTime: now,
      seq: 0,
    };
    this.touchGroup(account, group, now);
    account.groups[group.resourceName] = group;
    return group;
  }

  ensureSystemGroups(account: GoogleAccount, now: number): void {
    for (const sys of SYSTEM_GROUPS) {
      if (account.groups[sys.resourceName]) continue;
      const group: StoredGroup = { resourceName: sys.resourceName, name: sys.name, groupType: 'SYSTEM_CONTACT_GROUP', etag: '', updateTime: now, seq: 0 };
      this.touchGroup(account, group, now);
      account.groups[sys.resourceName] = group;
    }
  }

  updateGroup(account: GoogleAccount, resourceName: string, input: Record<string, unknown>, updateFields: ReadonlySet<string>, now: number): StoredGroup {
    const group = this.getGroup(account, resourceName);
    if (group.groupType === 'SYSTEM_CONTACT_GROUP') throw invalidArgument('Cannot modify a system contact group.');
    if (typeof input.etag === 'string' && input.etag !== group.etag) {
      throw failedPrecondition('Request contact group etag is different than the current contact group etag. Clear local cache and get the latest contact group.');
    }
    if (updateFields.has('name')) {
      const name = input.name;
      if (typeof name !== 'string' || !name.trim()) throw invalidArgument('contactGroup.name is required.', 'contact_group.name');
      this.assertUniqueName(account, name, resourceName);
      group.name = name.trim();
    }
    if (updateFields.has('clientData')) {
      if (Array.isArray(input.clientData) && input.clientData.length) group.clientData = input.clientData as StoredGroup['clientData'];
      else delete group.clientData;
    }
    this.touchGroup(account, group, now);
    return group;
  }

  deleteGroup(account: GoogleAccount, resourceName: string, deleteContacts: boolean, opts: WriteOptions): void {
    const group = this.getGroup(account, resourceName);
    if (group.groupType === 'SYSTEM_CONTACT_GROUP') throw invalidArgument('Cannot delete a system contact group.');
    for (const rn of this.members(account, resourceName)) {
      if (deleteContacts) this.deleteContact(account, rn, opts);
      else {
        const contact = account.contacts[rn];
        contact.groups = contact.groups.filter((g) => g !== resourceName);
        this.touch(account, contact, opts);
      }
    }
    group.deleted = true;
    this.touchGroup(account, group, opts.now);
  }

  modifyMembers(account: GoogleAccount, resourceName: string, add: string[], remove: string[], opts: WriteOptions) {
    const group = this.getGroup(account, resourceName);
    if (group.groupType === 'SYSTEM_CONTACT_GROUP' && ![MY_CONTACTS, STARRED].includes(resourceName)) {
      throw invalidArgument(`Cannot modify members of system contact group ${resourceName}.`);
    }
    const notFoundNames: string[] = [];
    const lastGroup: string[] = [];
    for (const rn of add) {
      const contact = account.contacts[rn];
      if (!contact || contact.deleted) {
        notFoundNames.push(rn);
        continue;
      }
      if (!contact.groups.includes(resourceName)) {
        contact.groups.push(resourceName);
        this.touch(account, contact, opts);
      }
    }
    for (const rn of remove) {
      const contact = account.contacts[rn];
      if (!contact || contact.deleted) {
        notFoundNames.push(rn);
        continue;
      }
      if (!contact.groups.includes(resourceName)) continue;
      if (contact.groups.length === 1) {
        lastGroup.push(rn);
        continue;
      }
      contact.groups = contact.groups.filter((g) => g !== resourceName);
      this.touch(account, contact, opts);
    }
    this.touchGroup(account, group, opts.now);
    return {
      ...(notFoundNames.length ? { notFoundResourceNames: notFoundNames } : {}),
      ...(lastGroup.length ? { canNotRemoveLastContactGroupResourceNames: lastGroup } : {}),
    };
  }
}

export function sniffImage(bytes: Buffer): string | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && bytes.subarray(0, 3).toString('latin1') === 'GIF') return 'image/gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}
