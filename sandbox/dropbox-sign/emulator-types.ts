/** The emulator's public shape (its own file, so index.ts and admin-api.ts import it without a cycle). */
import type { Emulator } from '../lib/types';
import type { FaultInjector } from '../lib/faults';
import type { SignAccount, SignConfig, SignState, StoredRequest } from './sign-state';
import type { CallbackDispatcher } from './callback-delivery';
import type { NewRequest, SignStore } from './sign-store';

export interface DropboxSignEmulator extends Emulator<SignState> {
  name: 'dropbox-sign';
  prefix: '/dropbox-sign';
  faults: FaultInjector;
  callbacks: CallbackDispatcher;
  store: SignStore;
  /** API base for the SDK's *Api classes (…/dropbox-sign/v3) and for its OAuthApi (…/dropbox-sign). */
  apiBaseUrl: string;
  oauthBaseUrl: string;
  config(patch?: Partial<SignConfig>): SignConfig;
  account(email: string): SignAccount;
  createRequest(input: Omit<NewRequest, 'requester'> & { from: string }): StoredRequest;
  sign(id: string, email: string): StoredRequest;
  decline(id: string, email: string, reason: string): StoredRequest;
  revokeAll(email: string): number;
  expireAccessTokens(): void;
  /** API requests per account e-mail (rate-limited ones included). */
  requestCount(email: string): number;
  summary(): Record<string, unknown>;
}
