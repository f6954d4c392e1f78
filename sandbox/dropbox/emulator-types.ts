/** The emulator's public shape (its own file, so index.ts and admin-api.ts import it without a cycle). */
import type { Emulator } from '../lib/types';
import type { FaultInjector } from '../lib/faults';
import type { DropboxAccount, DropboxConfig, DropboxState, StoredEntry, WebhookDelivery } from './dropbox-state';

export interface DropboxEmulator extends Emulator<DropboxState> {
  name: 'dropbox';
  prefix: '/dropbox';
  faults: FaultInjector;
  config(patch?: Partial<DropboxConfig>): DropboxConfig;
  accounts(): DropboxAccount[];
  /** By e-mail or `dbid:` account id; throws when unknown. */
  account(key: string): DropboxAccount;
  /** Every entry of the account's app folder, parents first. */
  entries(account: string): StoredEntry[];
  /** The entry at a path (case-insensitive) or `id:`; undefined when missing. */
  entry(account: string, pathOrId: string): StoredEntry | undefined;
  fileBytes(account: string, pathOrId: string): Buffer;
  /** A write "from another device" (the desktop client): logged as a change, fires the webhook. */
  writeFile(account: string, path: string, bytes: Buffer, mode?: 'add' | 'overwrite'): Record<string, unknown>;
  createFolder(account: string, path: string): StoredEntry;
  /** A person renaming in the web UI (case-only renames allowed). */
  rename(account: string, pathOrId: string, newName: string): StoredEntry;
  move(account: string, pathOrId: string, toPath: string): StoredEntry;
  deleteEntry(account: string, pathOrId: string): void;
  /** Issues tokens without the browser round trip (also marks the account linked). */
  issueTokens(account: string, scope?: string): { accessToken: string; refreshToken: string; accountId: string };
  /** Folders the account shared (sharing/share_folder) and who was added to each. */
  sharedFolders(account: string): { sharedFolderId: string; folderId: string; members: { email: string; accessLevel: string }[] }[];
  /** The user disconnects the app: every token stops working, webhooks stop; returns revoked refresh tokens. */
  unlink(account: string): number;
  expireAccessTokens(): void;
  /** Every cursor of the account answers `reset` afterwards. */
  resetCursors(account: string): void;
  /** Adds a fault rule answering the documented 429 (with Retry-After) to matching requests. */
  rateLimit(reason: 'too_many_requests' | 'too_many_write_operations', options?: { path?: string; times?: number; retryAfterSeconds?: number }): string;
  webhookUrl(): string;
  /** Verifies the URI with the challenge GET first, like the App Console. */
  registerWebhook(url: string): Promise<{ ok: boolean; status: number | null; error: string | null }>;
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves when queued webhook notifications have been attempted. */
  flushWebhooks(): Promise<void>;
  /** The last 1,000 API requests as "POST /content/2/files/upload" (tests count calls per route). */
  requests(): string[];
  summary(): Record<string, unknown>;
}
