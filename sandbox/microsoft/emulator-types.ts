/** The Microsoft emulator's public shape (its own file, so index.ts and admin-api.ts import it without a cycle). */
import type { Emulator } from '../lib/types';
import type { FaultInjector } from '../lib/faults';
import type { ContactInput } from './contact-store';
import type { LifecycleEvent, NotificationDelivery, StoredSubscription } from './graph-subscriptions';
import type { ContactFolder, MicrosoftAccount, MicrosoftConfig, MicrosoftState, StoredContact } from './microsoft-state';

export interface MicrosoftEmulator extends Emulator<MicrosoftState> {
  name: 'microsoft';
  prefix: '/microsoft';
  faults: FaultInjector;
  /** Merges a config patch (token TTLs, delta-token lifetime, throttling) and returns the result. */
  config(patch?: Partial<MicrosoftConfig>): MicrosoftConfig;
  accounts(): MicrosoftAccount[];
  /** Every folder of the mailbox, the default "Contacts" folder first. */
  folders(email: string): ContactFolder[];
  /** Contacts of one folder (default folder when omitted), in creation order. */
  contacts(email: string, folderId?: string): StoredContact[];
  /** By regular or immutable id; undefined when missing. */
  getContact(email: string, id: string): StoredContact | undefined;
  createContact(email: string, folderId: string | undefined, contact: ContactInput): StoredContact;
  updateContact(email: string, id: string, patch: ContactInput): StoredContact;
  deleteContact(email: string, id: string): void;
  /** New regular id, same immutable id; the source folder's delta reports a removal. */
  moveContact(email: string, id: string, folderId: string): StoredContact;
  /** Bulk-creates deterministic contacts (100,000 in well under the test timeout); returns the count. */
  generateContacts(email: string, folderId: string | undefined, count: number): number;
  /** Revokes every active refresh token of the account; returns how many. */
  revokeAll(email: string): number;
  /** Every existing delta/skip token of the mailbox answers 410 syncStateNotFound afterwards. */
  invalidateDeltaTokens(email: string): void;
  expireAccessTokens(): void;
  /** Change-notification subscriptions (of one mailbox, or all). */
  subscriptions(email?: string): StoredSubscription[];
  /** Sends a lifecycle notification now (`subscriptionRemoved` also removes the subscription); false if unknown. */
  sendLifecycleNotification(id: string, event: LifecycleEvent): Promise<boolean>;
  /** Ends a subscription as if its lifetime ran out. */
  expireSubscription(id: string): boolean;
  /** Resolves once every queued change notification was attempted. */
  flushNotifications(): Promise<void>;
  /** Validation requests and notification deliveries, newest last. */
  notificationLog(): NotificationDelivery[];
  /** Graph requests per HTTP method for the mailbox (throttled ones included). */
  requestCounts(email: string): Record<string, number>;
  /** id_token signer for tests that need a token without the browser flow. */
  issueIdToken(email: string, tenant?: string, nonce?: string): string;
  summary(): Record<string, unknown>;
}
