/**
 * S4 team folders: what Dropbox's sharing routes answer, through the official SDK against the emulator. Synclane
 * is an app-folder app, so the real answer is a refusal (reported as a value, never as a revoked token); the
 * full-Dropbox answers are checked too, so the calls stay right if the registration ever changes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setEnvForTests } from '@/lib/env';
import { startDropboxSandbox, type TestSandbox } from '@/sandbox/dropbox/test-support';
import { DROPBOX_SCOPES } from './oauth';
import { createDropboxSharing } from './sharing';

const OLIVIA = 'olivia.northwind@gmail.com';
let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startDropboxSandbox();
  const app = sandbox.ctx.app.dropbox;
  setEnvForTests({
    SYNCLANE_ENV: 'sandbox',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'synclane-dropbox-sharing-')),
    DROPBOX_APP_KEY: app.appKey,
    DROPBOX_APP_SECRET: app.appSecret,
    DROPBOX_API_URL: `${sandbox.url}/dropbox/api`,
    DROPBOX_CONTENT_URL: `${sandbox.url}/dropbox/content`,
    DROPBOX_NOTIFY_URL: `${sandbox.url}/dropbox/notify`,
    DROPBOX_AUTHORIZE_URL: `${sandbox.url}/dropbox/oauth2/authorize`,
  });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.dropbox.reset());

const sharingWith = (scope?: string) => {
  const { accessToken } = sandbox.dropbox.issueTokens(OLIVIA, scope);
  return createDropboxSharing({ withToken: (call) => call(accessToken) });
};

describe('S4: sharing team folders from an app-folder app', () => {
  it('S4: share_folder is refused for an app-folder app (400), reported as app_folder_app, not as an auth failure', async () => {
    sandbox.dropbox.createFolder(OLIVIA, '/Dropbox Sign (team)/Northwind Traders');
    const sharing = sharingWith();
    await expect(sharing.shareFolder('/Dropbox Sign (team)/Northwind Traders')).resolves.toEqual({ shared: false, reason: 'app_folder_app' });
    await expect(sharing.addFolderMembers('123', ['olivia.admin@northwind.example'], 'viewer')).resolves.toEqual({ added: false, reason: 'app_folder_app' });
    expect(sandbox.dropbox.sharedFolders(OLIVIA)).toEqual([]);
  });

  it('S4: a full-Dropbox app without sharing.write gets missing_scope, returned as a refusal (the token manager never sees a 401)', async () => {
    sandbox.dropbox.config({ appAccessType: 'full_dropbox' });
    sandbox.dropbox.createFolder(OLIVIA, '/Team');
    let unauthorized = 0;
    const { accessToken } = sandbox.dropbox.issueTokens(OLIVIA);
    const sharing = createDropboxSharing({
      withToken: async (call) => {
        try {
          return await call(accessToken);
        } catch (error) {
          if ((error as { status?: number }).status === 401) unauthorized++;
          throw error;
        }
      },
    });
    await expect(sharing.shareFolder('/Team')).resolves.toEqual({ shared: false, reason: 'missing_scope' });
    expect(unauthorized).toBe(0);
  });

  it('S4: with full-Dropbox access and sharing.write, the folder is shared and the admins invited (already shared → reused)', async () => {
    sandbox.dropbox.config({ appAccessType: 'full_dropbox' });
    const folder = sandbox.dropbox.createFolder(OLIVIA, '/Team');
    const sharing = sharingWith([...DROPBOX_SCOPES, 'sharing.write'].join(' '));
    const shared = await sharing.shareFolder(folder.id);
    expect(shared).toMatchObject({ shared: true, sharedFolderId: expect.any(String) });
    if (!shared.shared) throw new Error('not shared');
    await expect(sharing.shareFolder('/team')).resolves.toEqual(shared);
    await expect(sharing.addFolderMembers(shared.sharedFolderId, ['olivia.admin@northwind.example', 'Rahul.Regular@northwind.example'], 'viewer')).resolves.toEqual({ added: true });
    expect(sandbox.dropbox.sharedFolders(OLIVIA)).toEqual([
      expect.objectContaining({ sharedFolderId: shared.sharedFolderId, folderId: folder.id, members: [expect.objectContaining({ email: 'olivia.admin@northwind.example', accessLevel: 'viewer' }), expect.objectContaining({ email: 'rahul.regular@northwind.example', accessLevel: 'viewer' })] }),
    ]);
    // A sub-folder of a shared folder cannot be shared again (SharePathError.inside_shared_folder).
    sandbox.dropbox.createFolder(OLIVIA, '/Team/Sub');
    await expect(sharing.shareFolder('/Team/Sub')).rejects.toMatchObject({ code: 'validation' });
  });
});
