/** The Dropbox client for a linked account, wired to the token manager (refresh ahead of expiry and on 401). */
import { withAccessToken, type TokenOwner } from '@/lib/auth/token-manager';
import type { ApiCallCounter } from '@/lib/crm/http';
import { createDropboxClient, type DropboxClient } from './client';
import { createDropboxSharing, type DropboxSharing } from './sharing';
import { isDropboxUnauthorized } from './errors';
import { refreshDropboxToken } from './oauth';

/** Folder sharing for a linked account (S4 team folders); see sharing.ts for what an app-folder app may do. */
export function dropboxSharingFor(owner: TokenOwner, counter?: ApiCallCounter): DropboxSharing {
  return createDropboxSharing({ counter, withToken: (call) => withAccessToken(owner, refreshDropboxToken, call, isDropboxUnauthorized) });
}

export function dropboxFor(owner: TokenOwner, counter?: ApiCallCounter): DropboxClient {
  return createDropboxClient({ counter, withToken: (call) => withAccessToken(owner, refreshDropboxToken, call, isDropboxUnauthorized) });
}

export { createDropboxClient, DROPBOX_UPLOAD_CHUNK_BYTES, type DropboxClient, type DropboxEntry, type DropboxFileEntry, type WriteMode, type ListPage, type Download } from './client';
export { createDropboxAuthorization, exchangeDropboxCode, refreshDropboxToken, revokeDropboxToken, DROPBOX_SCOPES, type DropboxLink } from './oauth';
export { mapDropboxError, isDropboxUnauthorized, isDropboxConflict } from './errors';
export { verifyWebhookSignature, webhookChallengeResponse, webhookAccounts } from './webhook';
export { dropboxContentHash, dropboxContentHashOfStream, DropboxContentHasher } from './content-hash';
export { createDropboxSharing, type DropboxSharing, type ShareFolderResult, type ShareRefusal } from './sharing';
