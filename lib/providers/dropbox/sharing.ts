/**
 * Dropbox folder sharing on the official SDK (`sharing/share_folder`, `sharing/add_folder_member`). Used by the
 * team archive (S4) to share a team folder with the team's admins.
 *
 * Dropbox does not let app-folder apps call these routes (400 "Your API app is an "App Folder" app"), and its
 * SharePathError lists `inside_app_folder` ("We do not support sharing a folder inside an app folder"), so with
 * Synclane's app-folder registration the answer is always "not possible": that comes back as a value, not an
 * error, so callers can tell the person what to do instead. A 401 `missing_scope` (an app without `sharing.write`)
 * is turned into the same kind of answer inside the token call, so it never reaches the token manager as a
 * "token revoked" 401 (which would put the whole Dropbox link into needs-reconnect).
 */
import type { Dropbox } from 'dropbox';
import type { ApiCallCounter } from '@/lib/crm/http';
import { SyncError } from '@/lib/errors';
import { dropboxErrorSummary, dropboxStatus, mapDropboxError } from './errors';
import { dropboxSdk } from './sdk';
import type { WithToken } from './client';

export type ShareRefusal = 'app_folder_app' | 'inside_app_folder' | 'missing_scope' | 'no_permission';
export type ShareFolderResult = { shared: true; sharedFolderId: string } | { shared: false; reason: ShareRefusal };

export interface DropboxSharing {
  /** Shares the folder (an already shared one is reused). */
  shareFolder(pathOrId: string): Promise<ShareFolderResult>;
  /** Invites people by e-mail (quietly updates the level of those already invited). */
  addFolderMembers(sharedFolderId: string, emails: string[], accessLevel: 'viewer' | 'editor'): Promise<{ added: true } | { added: false; reason: ShareRefusal }>;
}

class Refused extends Error {
  constructor(readonly reason: ShareRefusal) {
    super(reason);
  }
}

function refusalOf(error: unknown): ShareRefusal | null {
  const status = dropboxStatus(error);
  const summary = dropboxErrorSummary(error);
  if (status === 400 && /"App Folder" app/i.test(summary)) return 'app_folder_app';
  if (status === 401 && /^missing_scope\//.test(summary)) return 'missing_scope';
  if (status === 409 && /(^|\/)(inside_app_folder|is_app_folder)(\/|$)/.test(summary)) return 'inside_app_folder';
  if (status === 409 && /(^|\/)no_permission(\/|$)/.test(summary)) return 'no_permission';
  return null;
}

export function createDropboxSharing(options: { withToken: WithToken; counter?: ApiCallCounter }): DropboxSharing {
  const call = async <T>(fn: (dbx: Dropbox) => Promise<{ result: T }>): Promise<T | Refused> => {
    try {
      return await options.withToken(async (token) => {
        try {
          return (await fn(dropboxSdk(token, options.counter))).result;
        } catch (error) {
          const refusal = refusalOf(error);
          if (refusal) throw new Refused(refusal);
          throw mapDropboxError(error);
        }
      });
    } catch (error) {
      if (error instanceof Refused) return error;
      throw error;
    }
  };

  return {
    async shareFolder(pathOrId) {
      const result = await call((dbx) => dbx.sharingShareFolder({ path: pathOrId, acl_update_policy: { '.tag': 'owner' }, force_async: false }).catch((error: unknown) => {
        // An already shared folder answers bad_path/already_shared with its metadata: reuse it.
        const body = (error as { error?: { error?: { bad_path?: { '.tag'?: string; shared_folder_id?: string } } } }).error?.error?.bad_path;
        if (dropboxStatus(error) === 409 && body?.['.tag'] === 'already_shared' && body.shared_folder_id) return { result: { '.tag': 'complete', shared_folder_id: body.shared_folder_id } };
        throw error;
      }) as Promise<{ result: { '.tag': string; shared_folder_id?: string; async_job_id?: string } }>);
      if (result instanceof Refused) return { shared: false, reason: result.reason };
      if (result['.tag'] !== 'complete' || !result.shared_folder_id) {
        // force_async is false, so Dropbox finishes small folders at once; a job id means "try again later".
        throw new SyncError('temporary', 'Dropbox is still sharing the folder; Synclane checks again on the next run.', { vendor: 'dropbox' });
      }
      return { shared: true, sharedFolderId: result.shared_folder_id };
    },

    async addFolderMembers(sharedFolderId, emails, accessLevel) {
      if (!emails.length) return { added: true };
      const result = await call((dbx) =>
        dbx.sharingAddFolderMember({
          shared_folder_id: sharedFolderId,
          members: emails.map((email) => ({ member: { '.tag': 'email' as const, email }, access_level: { '.tag': accessLevel } })),
          quiet: false,
        }),
      );
      if (result instanceof Refused) return { added: false, reason: result.reason };
      return { added: true };
    },
  };
}

