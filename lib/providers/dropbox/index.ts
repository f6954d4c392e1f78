/** The Dropbox client for a linked account, wired to the token manager (refresh ahead of expiry and on 401). */
import { withAccessToken, type TokenOwner } from '@/lib/auth/token-manager';
import type { ApiCallCounter } from '@/lib/crm/http';
import { createDropboxClient, type DropboxClient } from './client';
import { isDropboxUnauthorized } from './errors';
import { refreshDropboxToken } from './oauth';

export function dropboxFor(owner: TokenOwner, counter?: ApiCallCounter): DropboxClient {
  return createDropboxClient({ counter, withToken: (call) => withAccessToken(owner, refreshDropboxToken, call, isDropboxUnauthorized) });
}

export { createDropboxClient, DROPBOX_UPLOAD_CHUNK_BYTES, type DropboxClient, type DropboxEntry, type DropboxFileEntry, type WriteMode, type ListPage, type Download } from './client';
export { createDropboxAuthorization, exchangeDropboxCode, refreshDropboxToken, revokeDropboxToken, DROPBOX_SCOPES, type DropboxLink } from './oauth';
export { mapDropboxError, isDropboxUnauthorized, isDropboxConflict } from './errors';
export { verifyWebhookSignature, webhookChallengeResponse, webhookAccounts } from './webhook';
export { dropboxContentHash, dropboxContentHashOfStream, DropboxContentHasher } from './content-hash';
