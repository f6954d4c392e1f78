/** The Google emulator's public shape (its own file, so index.ts and admin-api.ts import it without a cycle). */
import type { Emulator } from '../lib/types';
import type { FaultInjector } from '../lib/faults';
import type { GoogleConfig, GoogleState } from './google-state';
import type { Person } from './person-store';

export type GoogleAccountSummary = { email: string; name: string; sub: string; contactCount: number };
export type GoogleGroupSummary = { resourceName: string; name: string; groupType: string; memberCount: number };

export interface GoogleEmulator extends Emulator<GoogleState> {
  name: 'google';
  prefix: '/google';
  faults: FaultInjector;
  /** `${baseUrl}/google` — the `issuer` for Auth.js's Google provider. */
  issuer: string;
  /** Reads and (with a patch) changes the emulator settings. */
  config(patch?: Partial<GoogleConfig>): GoogleConfig;
  accounts(): GoogleAccountSummary[];
  /** Every contact as the API would return it with all person fields; tombstones only on request. */
  contacts(email: string, options?: { includeDeleted?: boolean }): Person[];
  getContact(email: string, resourceName: string): Person | null;
  /** Creates a contact as a person would in Google Contacts (validated like the API, not counted). */
  createContact(email: string, person: Person): Person;
  /** Replaces the fields present in `patch` (a user edit in Google Contacts; no etag needed). */
  updateContact(email: string, resourceName: string, patch: Person): Person;
  deleteContact(email: string, resourceName: string): void;
  groups(email: string): GoogleGroupSummary[];
  createGroup(email: string, name: string): GoogleGroupSummary;
  /** Bulk-creates synthetic contacts (fast enough for 100,000); returns their resource names. */
  generateContacts(email: string, count: number, groupResourceName?: string): string[];
  /** Revokes every access and refresh token of the account (refresh → invalid_grant). */
  revokeAll(email: string): void;
  expireAccessTokens(): void;
  /** API calls per method id (`people.connections.list`, ...) plus `total`. */
  requestCounts(email: string): Record<string, number>;
  resetRequestCounts(email?: string): void;
}
