/** The provider port: what the contact engine needs from Google / Microsoft, in canonical shapes. */
import type { Contact } from '@/lib/sync/contacts/model';
import type { SyncError } from '@/lib/errors';

export type ProviderKind = 'google' | 'microsoft';
export type RemoteGroup = { id: string; name: string; memberCount?: number; system?: boolean };
/**
 * `hasPhoto: null` means the provider's listing does not say (Graph): ask `getPhoto` when a photo would be used.
 * `photoRef`: where the listing says the photo is (Google: its URL), handed back to `getPhoto` so the photo
 * is read without asking the API for the contact again; opaque to the engine.
 */
export type RemoteContact = { remoteId: string; etag: string; contact: Contact; ref: string | null; updatedAt: string | null; hasPhoto: boolean | null; photoRef?: string };
export type WriteResult = { ref: string; remoteId?: string; etag?: string; error?: SyncError };

export type ChangePage = {
  items: RemoteContact[];
  deletedIds: string[];
  /** Continue with this cursor (same full/incremental pass). */
  nextPageCursor: string | null;
  /** Present on the last page: the cursor for the next incremental pass. */
  syncCursor: string | null;
  /** true when this pass is a full listing (deletes can then also be inferred from absence). */
  isFullPass: boolean;
};

export interface ContactProvider {
  readonly provider: ProviderKind;
  readonly batch: { create: number; update: number; delete: number };
  listGroups(): Promise<RemoteGroup[]>;
  getGroup(id: string): Promise<RemoteGroup | null>;
  /** Creates the group, or returns the existing one with exactly that name. */
  ensureGroup(name: string): Promise<RemoteGroup>;
  createContacts(items: { ref: string; contact: Contact }[], groupId: string): Promise<WriteResult[]>;
  /** Overwrites the mapped fields; etag is the one we last saw (stale → precondition_failed). */
  updateContacts(items: { ref: string; remoteId: string; etag: string | null; contact: Contact }[], groupId: string): Promise<WriteResult[]>;
  deleteContacts(remoteIds: string[]): Promise<{ remoteId: string; error?: SyncError }[]>;
  getContact(remoteId: string): Promise<RemoteContact | null>;
  /** Contacts in the group carrying our reference stamp (crash recovery: find the twin of a lost create). */
  findByRefs(groupId: string, refs: Set<string>): Promise<Map<string, { remoteId: string; etag: string }>>;
  /** Every contact in the group carrying a reference stamp, by stamp (M5: re-adopt an earlier sync's contacts). */
  listRefs(groupId: string): Promise<Map<string, { remoteId: string; etag: string }>>;
  /** Reads the group: full pass when cursor is null, incremental otherwise (throws cursor_invalid on expiry). */
  listChanges(groupId: string, cursor: string | null, pageCursor: string | null): Promise<ChangePage>;
  /**
   * How a contact looks after a round trip through this provider (fields it cannot store dropped or
   * reshaped). Lets the merge tell a real provider edit from a lossy echo of our own write.
   */
  projectContact?(contact: Contact): Contact;
  /** The contact's photo bytes, when it has a real one (C8 copies it into a CRM person without a picture). */
  getPhoto?(remoteId: string, photoRef?: string): Promise<{ bytes: Uint8Array; contentType: string } | null>;
  /**
   * Several contacts' photos in as few calls as the provider allows (Graph JSON batching: 20 per call).
   * A contact without a photo, or whose photo could not be read, maps to null.
   */
  getPhotos?(remoteIds: string[]): Promise<Map<string, { bytes: Uint8Array; contentType: string } | null>>;
}

export type ChangeCheck = {
  state: 'changed' | 'unchanged' | 'expired';
  /** The changed contacts on the first page (complete when `more` is false). */
  changes: { remoteId: string; etag: string; deleted: boolean }[];
  more: boolean;
};

/** A provider's push subscription on a contact group (Graph change notifications). */
export type ChangeSubscription = { id: string; expiresAt: Date };

/**
 * How a provider tells us that a group changed between runs (B1): Graph pushes (a subscription we create,
 * renew and delete), Google has no push and is asked with the stored sync token. A provider implements one.
 */
export interface ProviderChangeFeed {
  readonly provider: ProviderKind;
  /**
   * Google: one cheap call — what changed since this sync token? `expired` means the run must relist. The
   * changed contacts' ids and etags come back so the caller can tell its own writes (echoes) from edits.
   */
  checkForChanges?(syncCursor: string): Promise<ChangeCheck>;
  /** Longest subscription the provider grants (renew before it runs out). */
  readonly maxSubscriptionMs?: number;
  subscribe?(input: { groupId: string; notificationUrl: string; lifecycleNotificationUrl: string; clientState: string; expiresAt: Date }): Promise<ChangeSubscription>;
  renewSubscription?(id: string, expiresAt: Date): Promise<ChangeSubscription>;
  unsubscribe?(id: string): Promise<void>;
}
