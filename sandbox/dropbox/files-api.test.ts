/** Dropbox API v2 routes through the official SDK against the emulator. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Dropbox, DropboxResponseError, files } from 'dropbox';
import { contentHash } from './content-hash';
import { sdk, startDropboxSandbox, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@gmail.com';
const RAHUL = 'rahul.northwind@gmail.com';
const MiB = 1024 * 1024;

let sandbox: TestSandbox;
let dbx: Dropbox;
beforeAll(async () => {
  sandbox = await startDropboxSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.dropbox.reset();
  dbx = sdk(sandbox, { accessToken: sandbox.dropbox.issueTokens(OLIVIA).accessToken });
});

const fail = async (promise: Promise<unknown>) => (await promise.then(() => { throw new Error('expected the call to fail'); }, (e) => e)) as DropboxResponseError<any>;
const upload = (path: string, text: string, mode: files.WriteMode = 'add' as never, extra: Partial<files.UploadArg> = {}) =>
  dbx.filesUpload({ path, contents: Buffer.from(text), mode, ...extra }).then((r) => r.result);
const pattern = (bytes: number) => {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = i % 256;
  return out;
};

describe('content_hash', () => {
  it('matches the documented test vectors (4 MiB blocks)', () => {
    expect(contentHash(Buffer.from('hello rdrop2'))).toBe('1aa2b7623dfff520c4abdc1227d10bc4e229b74005b66b3458345830e556f4de');
    expect(contentHash(pattern(4 * MiB))).toBe('894bbb52d1212d6bcbe9967f1a2169138c4d4af0c8dfbaeae86cd1d3f0c03faf');
    expect(contentHash(Buffer.concat([pattern(4 * MiB), Buffer.from([0xff])]))).toBe('9149387a91f71c7c2149b8427d15526b71c1a38d6c6f999ad71486a2ce788d57');
    expect(contentHash(pattern(3.5 * 4 * MiB))).toBe('f61d3ae93fa4f7646d37949fc0885141bf682faa9a130896b93459c650335d0f');
    expect(contentHash(Buffer.alloc(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('Dropbox files API emulator', () => {
  it('F1: paths are relative to the app folder; each account has its own; metadata has the documented shape', async () => {
    const file = await upload('/Persons/Ada Lovelace (42)/notes.txt', 'hello');
    expect(file).toMatchObject({ name: 'notes.txt', path_lower: '/persons/ada lovelace (42)/notes.txt', path_display: '/Persons/Ada Lovelace (42)/notes.txt', size: 5, is_downloadable: true, content_hash: contentHash(Buffer.from('hello')) });
    expect(file).not.toHaveProperty('.tag'); // upload is typed FileMetadata
    expect(file.id).toMatch(/^id:/);
    expect(file.rev).toMatch(/^[0-9a-f]{9,}$/);
    expect(file.server_modified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const folder = (await dbx.filesGetMetadata({ path: '/persons' })).result;
    expect(folder).toEqual({ '.tag': 'folder', name: 'Persons', path_lower: '/persons', path_display: '/Persons', id: expect.stringMatching(/^id:/) });

    const rahul = sdk(sandbox, { accessToken: sandbox.dropbox.issueTokens(RAHUL).accessToken });
    expect((await rahul.filesListFolder({ path: '' })).result.entries).toEqual([]);
    expect(sandbox.dropbox.entries(OLIVIA).map((e) => e.pathDisplay)).toEqual(['/Persons', '/Persons/Ada Lovelace (42)', '/Persons/Ada Lovelace (42)/notes.txt']);
  });

  it('list_folder: recursive, limit and continue; "/" as root is a 400; errors carry error_summary', async () => {
    for (let i = 0; i < 5; i++) await upload(`/Deals/deal ${i}.txt`, `deal ${i}`);
    await upload('/Deals/Sub/inner.txt', 'inner');
    const first = (await dbx.filesListFolder({ path: '', recursive: true, limit: 3 })).result;
    expect(first.entries).toHaveLength(3);
    expect(first.has_more).toBe(true);
    const seen = [...first.entries];
    let cursor = first.cursor;
    for (let more = true; more; ) {
      const page = (await dbx.filesListFolderContinue({ cursor })).result;
      seen.push(...page.entries);
      cursor = page.cursor;
      more = page.has_more;
    }
    expect(seen.map((e) => e.path_display)).toEqual(['/Deals', '/Deals/deal 0.txt', '/Deals/deal 1.txt', '/Deals/deal 2.txt', '/Deals/deal 3.txt', '/Deals/deal 4.txt', '/Deals/Sub', '/Deals/Sub/inner.txt']);
    expect(seen[0]['.tag']).toBe('folder');

    const flat = (await dbx.filesListFolder({ path: '/deals' })).result.entries.map((e) => e.name);
    expect(flat).toEqual(['deal 0.txt', 'deal 1.txt', 'deal 2.txt', 'deal 3.txt', 'deal 4.txt', 'Sub']);

    const root = await fail(dbx.filesListFolder({ path: '/' }));
    expect(root.status).toBe(400);
    expect(root.error).toContain('Specify the root folder as an empty string');
    const missing = await fail(dbx.filesListFolder({ path: '/nope' }));
    expect(missing.status).toBe(409);
    expect(missing.error).toEqual({ error_summary: 'path/not_found/..', error: { '.tag': 'path', path: { '.tag': 'not_found' } } });
  });

  it('B1: continue reports adds, changes and deletions (DeletedMetadata has no id); get_latest_cursor skips the past', async () => {
    await upload('/a.txt', 'a');
    await upload('/b.txt', 'b');
    const { cursor } = (await dbx.filesListFolderGetLatestCursor({ path: '', recursive: true })).result;
    expect((await dbx.filesListFolderContinue({ cursor })).result.entries).toEqual([]);
    sandbox.dropbox.writeFile(OLIVIA, '/a.txt', Buffer.from('a2'));
    sandbox.dropbox.deleteEntry(OLIVIA, '/b.txt');
    sandbox.dropbox.writeFile(OLIVIA, '/Folder/c.txt', Buffer.from('c'));
    const page = (await dbx.filesListFolderContinue({ cursor })).result;
    expect(page.entries.map((e) => [e['.tag'], e.path_display])).toEqual([
      ['file', '/a.txt'],
      ['deleted', '/b.txt'],
      ['folder', '/Folder'],
      ['file', '/Folder/c.txt'],
    ]);
    expect(page.entries[1]).toEqual({ '.tag': 'deleted', name: 'b.txt', path_lower: '/b.txt', path_display: '/b.txt' });
    expect((await dbx.filesListFolderContinue({ cursor: page.cursor })).result.entries).toEqual([]);

    // include_deleted: a fresh listing and get_metadata also show what is gone.
    const withDeleted = (await dbx.filesListFolder({ path: '', recursive: true, include_deleted: true })).result.entries;
    expect(withDeleted.map((e) => [e['.tag'], e.path_lower])).toEqual([['file', '/a.txt'], ['deleted', '/b.txt'], ['folder', '/folder'], ['file', '/folder/c.txt']]);
    expect((await dbx.filesListFolder({ path: '', recursive: true })).result.entries.map((e) => e['.tag'])).not.toContain('deleted');
    expect((await dbx.filesGetMetadata({ path: '/B.txt', include_deleted: true })).result).toEqual({ '.tag': 'deleted', name: 'b.txt', path_lower: '/b.txt', path_display: '/b.txt' });
    expect((await fail(dbx.filesGetMetadata({ path: '/b.txt' }))).status).toBe(409);
  });

  it('ARCH4: cursors answer 409 reset when invalidated, tampered with or used by another account', async () => {
    const { cursor } = (await dbx.filesListFolderGetLatestCursor({ path: '' })).result;
    const rahul = sdk(sandbox, { accessToken: sandbox.dropbox.issueTokens(RAHUL).accessToken });
    const foreign = await fail(rahul.filesListFolderContinue({ cursor }));
    expect(foreign.error).toMatchObject({ error_summary: 'reset/..', error: { '.tag': 'reset' } });
    const tampered = await fail(dbx.filesListFolderContinue({ cursor: `${cursor.slice(0, -3)}xyz` }));
    expect(tampered.status).toBe(409);
    expect(tampered.error.error['.tag']).toBe('reset');
    sandbox.dropbox.resetCursors(OLIVIA);
    expect((await fail(dbx.filesListFolderContinue({ cursor }))).error).toEqual({ error_summary: 'reset/..', error: { '.tag': 'reset' } });
  });

  it('B1: longpoll needs no token, returns changes:true once the folder changes and false on timeout', async () => {
    const { cursor } = (await dbx.filesListFolderGetLatestCursor({ path: '', recursive: true })).result;
    const log: string[] = [];
    const anonymous = sdk(sandbox, { log });
    sandbox.dropbox.config({ longpollMaxWaitMs: 150 });
    expect((await anonymous.filesListFolderLongpoll({ cursor, timeout: 30 })).result).toEqual({ changes: false });
    sandbox.dropbox.config({ longpollMaxWaitMs: 5_000 });
    const waiting = anonymous.filesListFolderLongpoll({ cursor, timeout: 30 });
    setTimeout(() => sandbox.dropbox.writeFile(OLIVIA, '/new.txt', Buffer.from('x')), 50);
    expect((await waiting).result).toEqual({ changes: true });
    expect(log.every((l) => l.startsWith('POST /dropbox/notify/2/files/list_folder/longpoll'))).toBe(true);
    expect((await fail(anonymous.filesListFolderLongpoll({ cursor, timeout: 10 }))).status).toBe(400);
  });

  it('download: Dropbox-API-Result is ASCII-escaped JSON; Range answers 206 with Content-Range', async () => {
    const name = 'Offerte Żółć — 李雷.txt';
    const bytes = Buffer.from('0123456789abcdefghij');
    await dbx.filesUpload({ path: `/${name}`, contents: bytes });
    const viaSdk = (await dbx.filesDownload({ path: `/${name}` })).result as files.FileMetadata & { fileBinary?: Buffer; fileBlob?: Blob };
    expect(viaSdk.name).toBe(name);
    const data = viaSdk.fileBinary ?? Buffer.from(await viaSdk.fileBlob!.arrayBuffer());
    expect(Buffer.compare(data, bytes)).toBe(0);

    const token = sandbox.dropbox.issueTokens(OLIVIA).accessToken;
    const arg = JSON.stringify({ path: `/${name}` }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const response = await fetch(`${sandbox.url}/dropbox/content/2/files/download`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'dropbox-api-arg': arg, range: 'bytes=5-9' } });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('bytes 5-9/20');
    expect(await response.text()).toBe('56789');
    const header = response.headers.get('dropbox-api-result')!;
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(header).toContain('\\u017b'); // Ż
    expect(JSON.parse(header).name).toBe(name);

    const suffix = await fetch(`${sandbox.url}/dropbox/content/2/files/download`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'dropbox-api-arg': arg, range: 'bytes=-3' } });
    expect(await suffix.text()).toBe('hij');
    // Raw (unescaped) non-ASCII in the header is refused, as Dropbox does.
    const raw = await fetch(`${sandbox.url}/dropbox/content/2/files/download`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'dropbox-api-arg': JSON.stringify({ path: '/Café.txt' }) } });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toContain('could not decode input as JSON');
    const folder = await fail(dbx.filesDownload({ path: '' }));
    expect(folder.status).toBe(409);
  });

  it('upload: 150 MiB per request, larger bodies get payload_too_large; content_hash mismatches are refused', async () => {
    const mismatch = await fail(dbx.filesUpload({ path: '/x.txt', contents: Buffer.from('abc'), content_hash: contentHash(Buffer.from('abd')) }));
    expect(mismatch.error).toEqual({ error_summary: 'content_hash_mismatch/..', error: { '.tag': 'content_hash_mismatch' } });
    const tooLarge = await fail(dbx.filesUpload({ path: '/big.bin', contents: Buffer.alloc(150 * MiB + 1) }));
    expect(tooLarge.status).toBe(409);
    expect(tooLarge.error).toEqual({ error_summary: 'payload_too_large/..', error: { '.tag': 'payload_too_large' } });
    expect(sandbox.dropbox.entry(OLIVIA, '/big.bin')).toBeUndefined();
  }, 60_000);

  it('upload sessions: start/append_v2/finish build one file; a wrong offset gets incorrect_offset{correct_offset}', async () => {
    const whole = pattern(9 * MiB + 123);
    const start = (await dbx.filesUploadSessionStart({ contents: whole.subarray(0, 4 * MiB) })).result;
    const cursor = { session_id: start.session_id, offset: 4 * MiB };
    const wrong = await fail(dbx.filesUploadSessionAppendV2({ cursor: { ...cursor, offset: 3 }, contents: whole.subarray(4 * MiB, 8 * MiB) }));
    expect(wrong.error).toEqual({ error_summary: 'incorrect_offset/..', error: { '.tag': 'incorrect_offset', correct_offset: 4 * MiB } });
    await dbx.filesUploadSessionAppendV2({ cursor, contents: whole.subarray(4 * MiB, 8 * MiB), content_hash: contentHash(whole.subarray(4 * MiB, 8 * MiB)) });
    const done = (await dbx.filesUploadSessionFinish({ cursor: { ...cursor, offset: 8 * MiB }, commit: { path: '/Big/file.bin', mode: 'add' as never }, contents: whole.subarray(8 * MiB) })).result;
    expect(done).toMatchObject({ path_display: '/Big/file.bin', size: whole.length, content_hash: contentHash(whole) });
    expect(Buffer.compare(sandbox.dropbox.fileBytes(OLIVIA, done.id), whole)).toBe(0);
    const gone = await fail(dbx.filesUploadSessionAppendV2({ cursor: { ...cursor, offset: whole.length }, contents: Buffer.from('x') }));
    expect(gone.error.error).toEqual({ '.tag': 'not_found' });
  });

  it('F4/F5: WriteMode add/overwrite/update(rev), autorename and strict_conflict follow files.stone', async () => {
    const v1 = await upload('/Quote.pdf', 'one');
    // add + identical contents: no conflict, nothing written.
    expect((await upload('/quote.pdf', 'one')).rev).toBe(v1.rev);
    const conflict = await fail(upload('/Quote.pdf', 'two'));
    expect(conflict.error).toMatchObject({ error_summary: 'path/conflict/file/..', error: { '.tag': 'path', reason: { '.tag': 'conflict', conflict: { '.tag': 'file' } } } });
    expect((await upload('/Quote.pdf', 'two', 'add' as never, { autorename: true })).name).toBe('Quote (1).pdf');
    const v2 = await upload('/Quote.pdf', 'three', { '.tag': 'update', update: v1.rev } as never);
    expect(v2.rev).not.toBe(v1.rev);
    expect(v2.id).toBe(v1.id);
    const stale = await fail(upload('/Quote.pdf', 'four', { '.tag': 'update', update: v1.rev } as never, { strict_conflict: true }));
    expect(stale.error.error_summary).toBe('path/conflict/file/..');
    expect((await upload('/Quote.pdf', 'four', { '.tag': 'update', update: v1.rev } as never, { autorename: true })).name).toBe('Quote (conflicted copy).pdf');
    // strict_conflict: identical contents still conflict.
    expect((await fail(upload('/Quote.pdf', 'three', 'add' as never, { strict_conflict: true }))).error.error_summary).toBe('path/conflict/file/..');
    expect((await upload('/Quote.pdf', 'five', 'overwrite' as never)).id).toBe(v1.id);
    const bare = await fail(dbx.filesUpload({ path: '/x.txt', contents: Buffer.from('x'), mode: 'update' as never }));
    expect(bare.status).toBe(400);
    // A file cannot be a folder's parent.
    expect((await fail(upload('/Quote.pdf/inner.txt', 'x'))).error.error_summary).toBe('path/conflict/file_ancestor/..');
  });

  it('F9: id: addressing survives moves; a case-only move_v2 is a no-op (documented), folders move with their contents', async () => {
    const folder = (await dbx.filesCreateFolderV2({ path: '/Persons/Ada (42)' })).result.metadata;
    expect(folder).not.toHaveProperty('.tag');
    const file = await upload('/Persons/Ada (42)/cv.pdf', 'cv');
    expect((await fail(dbx.filesCreateFolderV2({ path: '/persons/ADA (42)' }))).error.error_summary).toBe('path/conflict/folder/..');
    const moved = (await dbx.filesMoveV2({ from_path: folder.id, to_path: '/Persons/Ada Lovelace (42)' })).result.metadata;
    expect(moved).toMatchObject({ '.tag': 'folder', id: folder.id, path_display: '/Persons/Ada Lovelace (42)' });
    expect((await dbx.filesGetMetadata({ path: file.id })).result).toMatchObject({ path_display: '/Persons/Ada Lovelace (42)/cv.pdf', id: file.id });
    expect((await dbx.filesGetMetadata({ path: `${folder.id}/CV.pdf` })).result).toMatchObject({ id: file.id });
    const caseOnly = (await dbx.filesMoveV2({ from_path: folder.id, to_path: '/Persons/ADA LOVELACE (42)' })).result.metadata;
    expect(caseOnly.path_display).toBe('/Persons/Ada Lovelace (42)');
    // Two moves through a temporary name do change the casing.
    await dbx.filesMoveV2({ from_path: folder.id, to_path: '/Persons/tmp-rename' });
    expect((await dbx.filesMoveV2({ from_path: folder.id, to_path: '/Persons/ADA LOVELACE (42)' })).result.metadata.path_display).toBe('/Persons/ADA LOVELACE (42)');
    expect((await fail(dbx.filesMoveV2({ from_path: folder.id, to_path: '/Persons/ADA LOVELACE (42)/inside' }))).error.error_summary).toBe('cant_move_folder_into_itself/..');
    expect((await fail(dbx.filesMoveV2({ from_path: '/missing', to_path: '/x' }))).error).toEqual({ error_summary: 'from_lookup/not_found/..', error: { '.tag': 'from_lookup', from_lookup: { '.tag': 'not_found' } } });
  });

  it('F4: delete_v2 returns the metadata at deletion time and removes a folder with its contents', async () => {
    const file = await upload('/Docs/a.txt', 'a');
    const deleted = (await dbx.filesDeleteV2({ path: '/docs' })).result.metadata;
    expect(deleted).toMatchObject({ '.tag': 'folder', path_display: '/Docs' });
    expect(sandbox.dropbox.entry(OLIVIA, file.id)).toBeUndefined();
    expect((await fail(dbx.filesDeleteV2({ path: '/docs' }))).error).toEqual({ error_summary: 'path_lookup/not_found/..', error: { '.tag': 'path_lookup', path_lookup: { '.tag': 'not_found' } } });
    const missing = await fail(dbx.filesGetMetadata({ path: file.id }));
    expect(missing.error.error_summary).toBe('path/not_found/..');
  });

  it('B10: 429 too_many_requests / too_many_write_operations with Retry-After; insufficient_space', async () => {
    sandbox.dropbox.config({ requestsPerMinute: 2, retryAfterSeconds: 7 });
    await dbx.filesListFolder({ path: '' });
    await dbx.filesListFolder({ path: '' });
    const limited = await fail(dbx.filesListFolder({ path: '' }));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.error).toEqual({ error_summary: 'too_many_requests/..', error: { reason: { '.tag': 'too_many_requests' }, retry_after: 7 } });

    sandbox.dropbox.config({ requestsPerMinute: 0, writeLockMs: 100, retryAfterSeconds: 1 });
    const results = await Promise.allSettled([upload('/one.txt', '1'), upload('/two.txt', '2')]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason.status).toBe(429);
    expect(rejected[0].reason.error.error.reason['.tag']).toBe('too_many_write_operations');
    expect(rejected[0].reason.headers.get('retry-after')).toBe('1');

    sandbox.dropbox.config({ writeLockMs: 0 });
    sandbox.dropbox.rateLimit('too_many_write_operations', { path: 'files/delete_v2', retryAfterSeconds: 3 });
    expect((await fail(dbx.filesDeleteV2({ path: '/one.txt' }))).error.error.retry_after).toBe(3);
    await dbx.filesDeleteV2({ path: rejected[0] === results[0] ? '/two.txt' : '/one.txt' });

    sandbox.dropbox.getState().accounts[sandbox.dropbox.account(OLIVIA).accountId].quotaBytes = 10;
    expect((await fail(upload('/full.txt', 'more than ten bytes'))).error.error_summary).toBe('path/insufficient_space/..');
  });

  it('malformed input is a 400 plain-text answer; unknown routes are 404', async () => {
    const token = sandbox.dropbox.issueTokens(OLIVIA).accessToken;
    const notJson = await fetch(`${sandbox.url}/dropbox/api/2/files/list_folder`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{path' });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toContain('text/plain');
    expect(await notJson.text()).toMatch(/^Error in call to API function "files\/list_folder": request body: could not decode input as JSON/);
    const wrongHost = await fetch(`${sandbox.url}/dropbox/api/2/files/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'dropbox-api-arg': '{"path":"/a"}' } });
    expect(wrongHost.status).toBe(400);
    const noToken = await fetch(`${sandbox.url}/dropbox/api/2/files/list_folder`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"path":""}' });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ error_summary: 'invalid_access_token/..', error: { '.tag': 'invalid_access_token' } });
  });
});
