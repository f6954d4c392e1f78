/**
 * Outlook contact folders and contacts of every demo mailbox: validation, change keys, regular vs
 * immutable ids, photos, open extensions, and the change journal that delta queries read.
 *
 * The persisted state stays plain JSON; the store keeps two in-memory indexes per mailbox (regular id →
 * immutable id, and a seq-ordered journal of writes) and rebuilds them from the state when it changes.
 */
import { createHash } from 'node:crypto';
import { GraphApiError, invalidArgument, itemNotFound } from './graph-errors';
import {
  DEFAULT_FOLDER_NAME,
  MULTI_VALUE_LIMITS,
  type ContactFields,
  type ContactFolder,
  type Mailbox,
  type MicrosoftState,
  type OpenExtension,
  type PhysicalAddress,
  type StoredContact,
  type StoredPhoto,
  type Tombstone,
} from './microsoft-state';

const STRING_FIELDS = [
  'fileAs', 'displayName', 'givenName', 'initials', 'middleName', 'nickName', 'surname', 'title', 'yomiGivenName',
  'yomiSurname', 'yomiCompanyName', 'generation', 'jobTitle', 'companyName', 'department', 'officeLocation',
  'profession', 'businessHomePage', 'assistantName', 'manager', 'mobilePhone', 'spouseName', 'personalNotes',
] as const;
const STRING_ARRAY_FIELDS = ['categories', 'imAddresses', 'homePhones', 'businessPhones', 'children'] as const;
const ADDRESS_FIELDS = ['homeAddress', 'businessAddress', 'otherAddress'] as const;
const ADDRESS_KEYS = ['street', 'city', 'state', 'countryOrRegion', 'postalCode'] as const;
/** Accepted in request bodies and ignored (read-only or OData annotations). */
const IGNORED_INPUT = new Set(['id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', 'parentFolderId', '@odata.etag', '@odata.type', '@odata.context', 'extensions@odata.context']);

/** Wire order of contact properties, as Graph returns them. */
export const CONTACT_PROPERTY_ORDER = [
  'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'parentFolderId', 'birthday', 'fileAs',
  'displayName', 'givenName', 'initials', 'middleName', 'nickName', 'surname', 'title', 'yomiGivenName', 'yomiSurname',
  'yomiCompanyName', 'generation', 'imAddresses', 'jobTitle', 'companyName', 'department', 'officeLocation',
  'profession', 'businessHomePage', 'assistantName', 'manager', 'homePhones', 'mobilePhone', 'businessPhones',
  'spouseName', 'personalNotes', 'children', 'emailAddresses', 'homeAddress', 'businessAddress', 'otherAddress',
] as const;

export type ContactInput = Partial<Omit<ContactFields, 'homeAddress' | 'businessAddress' | 'otherAddress'>> & {
  homeAddress?: PhysicalAddress;
  businessAddress?: PhysicalAddress;
  otherAddress?: PhysicalAddress;
  extensions?: OpenExtension[];
};

export type DeltaEntry = { kind: 'contact'; contact: StoredContact } | { kind: 'removed'; tombstone: Tombstone };

type JournalEntry = { seq: number; contactId?: string; tombstone?: Tombstone };
type MailboxIndex = { byRegularId: Map<string, string>; journal: JournalEntry[] };

export function emptyContactFields(): ContactFields {
  return {
    categories: [], birthday: null, fileAs: '', displayName: '', givenName: null, initials: null, middleName: null,
    nickName: null, surname: null, title: null, yomiGivenName: null, yomiSurname: null, yomiCompanyName: null,
    generation: null, imAddresses: [], jobTitle: null, companyName: null, department: null, officeLocation: null,
    profession: null, businessHomePage: null, assistantName: null, manager: null, homePhones: [], mobilePhone: null,
    businessPhones: [], spouseName: null, personalNotes: '', children: [], emailAddresses: [],
    homeAddress: {}, businessAddress: {}, otherAddress: {},
  };
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A change as change notifications see it: a contact written (created in / moved into a folder, or updated) or removed from a folder. */
export type StoreChange = { kind: 'created' | 'updated'; contact: StoredContact } | { kind: 'deleted'; tombstone: Tombstone };

export class ContactStore {
  private indexes = new Map<string, MailboxIndex>();
  /** Set by the emulator: every write, for Graph change notifications. */
  onChange?: (email: string, change: StoreChange) => void;

  constructor(
    private readonly state: () => MicrosoftState,
    private readonly now: () => number,
  ) {}

  /** Call after the state object was replaced (setState/reset). */
  rebuildIndexes(): void {
    this.indexes.clear();
  }

  // ---- ids ---------------------------------------------------------------------------------------

  /** Outlook-looking, case-sensitive, URL-safe ids (deterministic: derived from a counter). */
  newId(kind: 'contact' | 'immutable' | 'folder' | 'changeKey'): string {
    const n = ++this.state().idCounter;
    const digest = createHash('sha256').update(`${kind}:${n}`).digest('base64url');
    if (kind === 'changeKey') return `EQAAABYAAAB${digest.slice(0, 24)}`;
    if (kind === 'immutable') return `AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A${digest.slice(0, 40)}AAA_`;
    if (kind === 'folder') return `AAMkADFmZGI${digest.slice(0, 32)}AAAEOAAA_`;
    return `AAMkADFmZGIGAAA${digest.slice(0, 40)}AAA_`;
  }

  isWellFormedId(id: string): boolean {
    return /^AA[A-Za-z0-9_-]{20,}$/.test(id);
  }

  // ---- mailboxes and folders ----------------------------------------------------------------------

  mailbox(email: string): Mailbox {
    const mailbox = this.state().mailboxes[email.toLowerCase()];
    if (!mailbox) throw new GraphApiError(404, 'ErrorItemNotFound', `Mailbox ${email} not found.`);
    return mailbox;
  }

  createMailbox(email: string): Mailbox {
    const rootFolderId = this.newId('folder');
    const defaultFolderId = this.newId('folder');
    const mailbox: Mailbox = {
      rootFolderId,
      defaultFolderId,
      folders: { [defaultFolderId]: { id: defaultFolderId, displayName: DEFAULT_FOLDER_NAME, parentFolderId: rootFolderId, isDefault: true } },
      contacts: {},
      tombstones: [],
      changeSeq: 0,
      deltaEpoch: 0,
    };
    this.state().mailboxes[email.toLowerCase()] = mailbox;
    return mailbox;
  }

  folder(email: string, folderId: string): ContactFolder {
    const folder = this.mailbox(email).folders[folderId];
    if (!folder) throw itemNotFound();
    return folder;
  }

  /**
   * Child folders; without a parent, the folders inside the default "Contacts" folder, which is what
   * Graph's `/me/contactFolders` lists (the default folder itself is not in that list).
   */
  listFolders(email: string, parentFolderId?: string): ContactFolder[] {
    const mailbox = this.mailbox(email);
    const parent = parentFolderId ?? mailbox.defaultFolderId;
    return Object.values(mailbox.folders).filter((f) => f.parentFolderId === parent);
  }

  createFolder(email: string, displayName: unknown, parentFolderId?: string): ContactFolder {
    const mailbox = this.mailbox(email);
    const parent = parentFolderId ?? mailbox.defaultFolderId;
    if (parentFolderId) this.folder(email, parentFolderId);
    if (typeof displayName !== 'string' || !displayName.trim()) throw invalidArgument('The folder name cannot be empty.');
    if (Object.values(mailbox.folders).some((f) => f.parentFolderId === parent && f.displayName.toLowerCase() === displayName.toLowerCase())) {
      throw new GraphApiError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    const folder: ContactFolder = { id: this.newId('folder'), displayName, parentFolderId: parent };
    mailbox.folders[folder.id] = folder;
    return folder;
  }

  findFolderByName(email: string, displayName: string): ContactFolder | undefined {
    return Object.values(this.mailbox(email).folders).find((f) => f.displayName === displayName);
  }

  // ---- contacts: reads ----------------------------------------------------------------------------

  /** Accepts the regular or the immutable id (Graph accepts both forms on input). */
  findContact(email: string, id: string): StoredContact | undefined {
    const mailbox = this.mailbox(email);
    const direct = mailbox.contacts[id];
    if (direct) return direct;
    const immutableId = this.index(email).byRegularId.get(id);
    return immutableId ? mailbox.contacts[immutableId] : undefined;
  }

  getContact(email: string, id: string, folderId?: string): StoredContact {
    if (!this.isWellFormedId(id)) throw new GraphApiError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const contact = this.findContact(email, id);
    if (!contact || (folderId && contact.folderId !== folderId)) throw itemNotFound();
    return contact;
  }

  /** Contacts of one folder in creation order. */
  listContacts(email: string, folderId: string): StoredContact[] {
    this.folder(email, folderId);
    return Object.values(this.mailbox(email).contacts)
      .filter((c) => c.folderId === folderId)
      .sort((a, b) => a.createdSeq - b.createdSeq);
  }

  // ---- contacts: writes ---------------------------------------------------------------------------

  createContact(email: string, folderId: string, input: unknown): StoredContact {
    this.folder(email, folderId);
    const { fields: patch, extensions } = this.parseContactInput(input);
    const fields = { ...emptyContactFields(), ...patch };
    if (!patch.displayName) fields.displayName = composeDisplayName(fields);
    const mailbox = this.mailbox(email);
    const now = isoSeconds(this.now());
    const contact: StoredContact = {
      immutableId: this.newId('immutable'),
      regularId: this.newId('contact'),
      folderId,
      changeKey: '',
      createdDateTime: now,
      lastModifiedDateTime: now,
      seq: 0,
      createdSeq: mailbox.changeSeq + 1,
      fields,
      extensions: extensions ?? [],
      photo: null,
    };
    mailbox.contacts[contact.immutableId] = contact;
    this.index(email).byRegularId.set(contact.regularId, contact.immutableId);
    this.touch(email, contact);
    return contact;
  }

  /** PATCH semantics: only the given properties change; arrays are replaced as a whole. */
  updateContact(email: string, id: string, input: unknown, options: { folderId?: string; ifMatch?: string } = {}): StoredContact {
    const contact = this.getContact(email, id, options.folderId);
    if (options.ifMatch && options.ifMatch !== '*' && options.ifMatch !== etagOf(contact)) {
      throw new GraphApiError(
        412,
        'ErrorIrresolvableConflict',
        'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
      );
    }
    const { fields: patch, extensions } = this.parseContactInput(input);
    const before = contact.fields;
    const after: ContactFields = { ...before, ...patch };
    for (const key of ADDRESS_FIELDS) if (patch[key]) after[key] = { ...before[key], ...patch[key] };
    const namesChanged = ['givenName', 'middleName', 'surname'].some((k) => k in patch);
    if (namesChanged && !('displayName' in patch) && before.displayName === composeDisplayName(before)) {
      after.displayName = composeDisplayName(after);
    }
    contact.fields = after;
    if (extensions) for (const extension of extensions) this.upsertExtension(contact, extension);
    this.touch(email, contact);
    return contact;
  }

  deleteContact(email: string, id: string, folderId?: string): void {
    const contact = this.getContact(email, id, folderId);
    const mailbox = this.mailbox(email);
    this.addTombstone(email, contact);
    delete mailbox.contacts[contact.immutableId];
    this.index(email).byRegularId.delete(contact.regularId);
  }

  /** Moves a contact: a new regular id, the same immutable id; the old folder's delta reports a removal. */
  moveContact(email: string, id: string, destinationFolderId: string): StoredContact {
    const contact = this.getContact(email, id);
    this.folder(email, destinationFolderId);
    if (contact.folderId === destinationFolderId) return contact;
    this.addTombstone(email, contact);
    const index = this.index(email);
    index.byRegularId.delete(contact.regularId);
    contact.regularId = this.newId('contact');
    index.byRegularId.set(contact.regularId, contact.immutableId);
    contact.folderId = destinationFolderId;
    this.touch(email, contact, true);
    return contact;
  }

  setPhoto(email: string, id: string, bytes: Buffer, contentType: string, folderId?: string): StoredContact {
    const contact = this.getContact(email, id, folderId);
    if (!bytes.length) throw invalidArgument('The photo content cannot be empty.');
    const { width, height } = imageSize(bytes);
    contact.photo = { contentType: contentType || 'image/jpeg', base64: bytes.toString('base64'), width, height };
    this.touch(email, contact);
    return contact;
  }

  photoOf(contact: StoredContact): StoredPhoto {
    if (!contact.photo) throw new GraphApiError(404, 'ErrorItemNotFound', "The photo wasn't found.");
    return contact.photo;
  }

  addExtension(email: string, id: string, input: unknown, folderId?: string): OpenExtension {
    const contact = this.getContact(email, id, folderId);
    const extension = parseExtension(input);
    if (findExtension(contact, extension.extensionName)) {
      throw new GraphApiError(409, 'NameAlreadyExists', 'The extension with the given name already exists.');
    }
    contact.extensions.push(extension);
    this.touch(email, contact);
    return extension;
  }

  updateExtension(email: string, id: string, extensionId: string, input: unknown, folderId?: string): OpenExtension {
    const contact = this.getContact(email, id, folderId);
    const existing = findExtension(contact, extensionId);
    if (!existing) throw itemNotFound();
    const patch = (input ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(patch)) if (!key.startsWith('@odata') && key !== 'extensionName' && key !== 'id') existing[key] = value;
    this.touch(email, contact);
    return existing;
  }

  deleteExtension(email: string, id: string, extensionId: string, folderId?: string): void {
    const contact = this.getContact(email, id, folderId);
    const existing = findExtension(contact, extensionId);
    if (!existing) throw itemNotFound();
    contact.extensions = contact.extensions.filter((e) => e !== existing);
    this.touch(email, contact);
  }

  // ---- delta journal ------------------------------------------------------------------------------

  currentSeq(email: string): number {
    return this.mailbox(email).changeSeq;
  }

  /**
   * Changes of one folder with afterSeq < seq <= upToSeq, oldest first, at most `limit` entries.
   * `cursor` is the seq of the last returned entry (resume point for the next page).
   */
  changesInFolder(
    email: string,
    folderId: string,
    range: { afterSeq: number; upToSeq: number; includeRemovals: boolean; limit: number },
  ): { entries: DeltaEntry[]; cursor: number; exhausted: boolean } {
    const mailbox = this.mailbox(email);
    const journal = this.index(email).journal;
    let lo = 0;
    let hi = journal.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (journal[mid].seq <= range.afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const entries: DeltaEntry[] = [];
    let cursor = range.afterSeq;
    for (let i = lo; i < journal.length; i++) {
      const entry = journal[i];
      if (entry.seq > range.upToSeq) return { entries, cursor: range.upToSeq, exhausted: true };
      if (entries.length >= range.limit) return { entries, cursor, exhausted: false };
      cursor = entry.seq;
      if (entry.tombstone) {
        if (range.includeRemovals && entry.tombstone.folderId === folderId) entries.push({ kind: 'removed', tombstone: entry.tombstone });
        continue;
      }
      const contact = mailbox.contacts[entry.contactId!];
      if (contact && contact.seq === entry.seq && contact.folderId === folderId) entries.push({ kind: 'contact', contact });
    }
    return { entries, cursor: range.upToSeq, exhausted: true };
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** `created`: new in its folder (a create, or a move into it). */
  private touch(email: string, contact: StoredContact, created = contact.seq === 0): void {
    const mailbox = this.mailbox(email);
    contact.seq = ++mailbox.changeSeq;
    contact.changeKey = this.newId('changeKey');
    contact.lastModifiedDateTime = isoSeconds(this.now());
    this.appendJournal(email, { seq: contact.seq, contactId: contact.immutableId });
    this.onChange?.(email, { kind: created ? 'created' : 'updated', contact });
  }

  private addTombstone(email: string, contact: StoredContact): void {
    const mailbox = this.mailbox(email);
    const tombstone: Tombstone = {
      seq: ++mailbox.changeSeq,
      immutableId: contact.immutableId,
      regularId: contact.regularId,
      folderId: contact.folderId,
      at: this.now(),
    };
    mailbox.tombstones.push(tombstone);
    this.appendJournal(email, { seq: tombstone.seq, tombstone });
    this.onChange?.(email, { kind: 'deleted', tombstone });
  }

  private appendJournal(email: string, entry: JournalEntry): void {
    const index = this.index(email);
    index.journal.push(entry);
    // Rewrites leave stale entries behind; rebuild (sorted from the state) once they dominate.
    if (index.journal.length % 4096 === 0) {
      const mailbox = this.mailbox(email);
      const live = Object.keys(mailbox.contacts).length + mailbox.tombstones.length;
      if (index.journal.length > 2 * live) this.indexes.delete(email.toLowerCase());
    }
  }

  private index(email: string): MailboxIndex {
    const key = email.toLowerCase();
    let index = this.indexes.get(key);
    if (!index) {
      const mailbox = this.mailbox(key);
      const contacts = Object.values(mailbox.contacts);
      const journal: JournalEntry[] = [
        ...contacts.map((c) => ({ seq: c.seq, contactId: c.immutableId })),
        ...mailbox.tombstones.map((t) => ({ seq: t.seq, tombstone: t })),
      ].sort((a, b) => a.seq - b.seq);
      index = { byRegularId: new Map(contacts.map((c) => [c.regularId, c.immutableId])), journal };
      this.indexes.set(key, index);
    }
    return index;
  }

  private upsertExtension(contact: StoredContact, extension: OpenExtension): void {
    const existing = findExtension(contact, extension.extensionName);
    if (existing) Object.assign(existing, extension);
    else contact.extensions.push(extension);
  }

  /** Validates a contact body the way Graph does: unknown properties, types, multi-value limits. */
  parseContactInput(input: unknown): { fields: Partial<ContactFields>; extensions?: OpenExtension[] } {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw new GraphApiError(400, 'RequestBodyRead', 'Empty Payload. JSON content expected.');
    }
    const body = input as Record<string, unknown>;
    const fields: Partial<ContactFields> = {};
    let extensions: OpenExtension[] | undefined;
    const typeError = (key: string, expected: string) =>
      new GraphApiError(400, 'RequestBodyRead', `Cannot convert the literal '${JSON.stringify(body[key])}' to the expected type '${expected}'.`);
    for (const [key, value] of Object.entries(body)) {
      if (IGNORED_INPUT.has(key)) continue;
      if ((STRING_FIELDS as readonly string[]).includes(key)) {
        if (value !== null && typeof value !== 'string') throw typeError(key, 'Edm.String');
        (fields as Record<string, unknown>)[key] = value;
      } else if ((STRING_ARRAY_FIELDS as readonly string[]).includes(key)) {
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw typeError(key, 'Collection(Edm.String)');
        (fields as Record<string, unknown>)[key] = [...value];
      } else if ((ADDRESS_FIELDS as readonly string[]).includes(key)) {
        if (value === null) {
          (fields as Record<string, unknown>)[key] = {};
          continue;
        }
        if (typeof value !== 'object' || Array.isArray(value)) throw typeError(key, 'microsoft.graph.physicalAddress');
        const address: PhysicalAddress = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (!(ADDRESS_KEYS as readonly string[]).includes(k)) throw unknownProperty(k, 'microsoft.graph.physicalAddress');
          if (v !== null && typeof v !== 'string') throw typeError(key, 'Edm.String');
          if (v !== null) address[k as keyof PhysicalAddress] = v as string;
        }
        (fields as Record<string, unknown>)[key] = address;
      } else if (key === 'emailAddresses') {
        if (!Array.isArray(value)) throw typeError(key, 'Collection(microsoft.graph.emailAddress)');
        fields.emailAddresses = value.map((item) => {
          if (!item || typeof item !== 'object') throw typeError(key, 'microsoft.graph.emailAddress');
          const { name, address, ...rest } = item as Record<string, unknown>;
          const extra = Object.keys(rest)[0];
          if (extra) throw unknownProperty(extra, 'microsoft.graph.emailAddress');
          return { name: typeof name === 'string' ? name : typeof address === 'string' ? address : undefined, address: typeof address === 'string' ? address : undefined };
        });
      } else if (key === 'birthday') {
        if (value === null) fields.birthday = null;
        else if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw typeError(key, 'Edm.DateTimeOffset');
        else fields.birthday = isoSeconds(Date.parse(value));
      } else if (key === 'extensions') {
        if (!Array.isArray(value)) throw typeError(key, 'Collection(microsoft.graph.extension)');
        extensions = value.map(parseExtension);
      } else {
        throw unknownProperty(key, 'microsoft.graph.contact');
      }
    }
    for (const [key, limit] of Object.entries(MULTI_VALUE_LIMITS)) {
      const list = (fields as Record<string, unknown[] | undefined>)[key];
      if (list && list.length > limit.max) {
        throw invalidArgument(`The multi value property ${limit.wireName} has ${list.length} entries, that exceeds the max allowed value of ${limit.max}`);
      }
    }
    return { fields, extensions };
  }
}

export function etagOf(contact: StoredContact): string {
  return `W/"${contact.changeKey}"`;
}

export function findExtension(contact: StoredContact, nameOrId: string): OpenExtension | undefined {
  const wanted = nameOrId.replace(/^Microsoft\.OutlookServices\.OpenTypeExtension\./i, '').toLowerCase();
  return contact.extensions.find((e) => e.extensionName.toLowerCase() === wanted);
}

export function extensionToWire(extension: OpenExtension): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.openTypeExtension',
    id: `Microsoft.OutlookServices.OpenTypeExtension.${extension.extensionName}`,
    ...extension,
  };
}

function parseExtension(input: unknown): OpenExtension {
  const body = (input ?? {}) as Record<string, unknown>;
  if (typeof body.extensionName !== 'string' || !body.extensionName) {
    throw invalidArgument('The extensionName property is required for an open type extension.');
  }
  const extension: OpenExtension = { extensionName: body.extensionName };
  for (const [key, value] of Object.entries(body)) if (!key.startsWith('@odata') && key !== 'id') extension[key] = value;
  return extension;
}

function unknownProperty(name: string, type: string) {
  return new GraphApiError(
    400,
    'RequestBodyRead',
    `The property '${name}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );
}

function composeDisplayName(fields: Pick<ContactFields, 'givenName' | 'middleName' | 'surname' | 'companyName' | 'emailAddresses'>): string {
  const name = [fields.givenName, fields.middleName, fields.surname].filter(Boolean).join(' ');
  return name || fields.companyName || fields.emailAddresses[0]?.address || '';
}

/** Width/height from PNG (IHDR) or JPEG (SOFn) headers; 0×0 for anything else. */
export function imageSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length > 24 && bytes.readUInt32BE(0) === 0x89504e47) return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) break;
      const marker = bytes[offset + 1];
      const length = bytes.readUInt16BE(offset + 2);
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        return { width: bytes.readUInt16BE(offset + 7), height: bytes.readUInt16BE(offset + 5) };
      }
      offset += 2 + length;
    }
  }
  return { width: 0, height: 0 };
}

export type ContactWireOptions = {
  /** `Prefer: IdType="ImmutableId"` was sent. */
  immutableIds: boolean;
  select?: string[];
  /** `$expand=extensions` (optionally filtered to one extension id/name). */
  expandExtensions?: { filterId?: string };
};

const PROPERTY_BY_LOWERCASE = new Map<string, string>(CONTACT_PROPERTY_ORDER.map((p) => [p.toLowerCase(), p]));

/** Parses `$select`; unknown names answer 400 like Graph's URI parser. */
export function parseContactSelect(value: string | null): string[] | undefined {
  if (!value) return undefined;
  return value.split(',').map((raw) => {
    const name = raw.trim();
    if (name.toLowerCase() === 'id') return 'id';
    const property = PROPERTY_BY_LOWERCASE.get(name.toLowerCase());
    if (!property) throw new GraphApiError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.contact'.`);
    return property;
  });
}

/** Parses `$expand=extensions` or `$expand=extensions($filter=id eq '…')`. */
export function parseContactExpand(value: string | null): ContactWireOptions['expandExtensions'] {
  if (!value) return undefined;
  const match = /^extensions(?:\(\$filter=id\s+eq\s+'([^']+)'\))?$/i.exec(value.trim());
  if (!match) throw new GraphApiError(400, 'RequestBroker--ParseUri', `Parsing OData Select and Expand failed: Could not find a property named '${value}' on type 'microsoft.graph.contact'.`);
  return { filterId: match[1] };
}

export function contactId(contact: StoredContact, immutableIds: boolean): string {
  return immutableIds ? contact.immutableId : contact.regularId;
}

/** The Graph `contact` representation (providers.md §5.3). */
export function contactToWire(contact: StoredContact, options: ContactWireOptions): Record<string, unknown> {
  const all: Record<string, unknown> = {
    ...contact.fields,
    createdDateTime: contact.createdDateTime,
    lastModifiedDateTime: contact.lastModifiedDateTime,
    changeKey: contact.changeKey,
    parentFolderId: contact.folderId,
  };
  const wire: Record<string, unknown> = { '@odata.etag': etagOf(contact), id: contactId(contact, options.immutableIds) };
  const properties = options.select ?? CONTACT_PROPERTY_ORDER;
  for (const property of properties) if (property !== 'id') wire[property] = structuredClone(all[property]);
  if (options.expandExtensions) {
    const wanted = options.expandExtensions.filterId;
    const extensions = wanted ? contact.extensions.filter((e) => e === findExtension(contact, wanted)) : contact.extensions;
    wire.extensions = extensions.map(extensionToWire);
  }
  return wire;
}
