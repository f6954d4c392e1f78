import { describe, expect, it } from 'vitest';
import type { AccountFileState, FileLink, RecordFilesBase } from './model';
import type { CrmFile } from './port';
import { FULL_CHECK_EVERY_MS, isCrmSideQuiet, mayTakeShortcut } from './quiet';

const A = 'acct-a';
const state = (crmFileId: string, extra: Partial<AccountFileState> = {}): AccountFileState => ({
  dropboxId: `id:${crmFileId}`,
  rev: 'r1',
  contentHash: 'h',
  pathLower: `${crmFileId}.txt`,
  crmFileId,
  deletedInDropbox: false,
  lastSyncedAt: '2026-11-30T00:00:00Z',
  ...extra,
});
const link = (id: string, accounts: Record<string, AccountFileState> = { [A]: state(id) }, extra: Partial<FileLink> = {}): FileLink => ({
  linkId: `crm:${id}`,
  crmFileId: id,
  crmName: `${id}.txt`,
  crmFolder: null,
  crmSize: 10,
  contentHash: 'h',
  relativePath: `${id}.txt`,
  accounts,
  ...extra,
});
const file = (id: string, extra: Partial<CrmFile> = {}): CrmFile => ({ id, name: `${id}.txt`, folder: null, size: 10, modifiedAt: null, ...extra });
const base = (links: FileLink[]): RecordFilesBase => ({ folder: { folderId: 'id:f', pathLower: '/persons/a (1)', pathDisplay: '/Persons/A (1)', derivedName: 'A (1)' }, links });

describe('F-2 unchanged-record shortcut: the CRM side is quiet only when the base says exactly what the CRM lists', () => {
  it('quiet: same files, same names, folders and sizes, this account mirrors every current version (a tombstone too)', () => {
    expect(isCrmSideQuiet(base([link('1'), link('2', { [A]: state('2', { deletedInDropbox: true }) })]), [file('1'), file('2')], A)).toBe(true);
    expect(isCrmSideQuiet(base([]), [], A)).toBe(true);
  });

  it.each([
    ['F4: a new CRM file', [link('1')], [file('1'), file('2')]],
    ['F4/B3: a CRM delete (file missing from the complete list)', [link('1'), link('2')], [file('1')]],
    ['F4: a CRM rename', [link('1')], [file('1', { name: 'new.txt' })]],
    ['F4: a Teamleader file in another folder', [link('1')], [file('1', { folder: 'Offers' })]],
    ['F4: a different size under the same id', [link('1')], [file('1', { size: 11 })]],
    ['F5: a file this account has no copy of yet (another user added it)', [link('1', { other: state('1') })], [file('1')]],
    ['F5: this account mirrors an older CRM version', [link('1', { [A]: state('0') })], [file('1')]],
    ['F5/F9: another user renamed the file in Dropbox (the link moved on, this copy has the old path)', [link('1', { [A]: state('1', { pathLower: 'old.txt' }) })], [file('1')]],
    ['B3: a tombstone of an older version (strict)', [link('1', { [A]: state('0', { deletedInDropbox: true }) })], [file('1')]],
    ['F6: an unlinked CRM file (e.g. skipped as too large) keeps the complete pass', [], [file('9')]],
  ])('not quiet: %s', (_rule, links, files) => {
    expect(isCrmSideQuiet(base(links), files, A)).toBe(false);
  });

  it('F3: no record folder yet is never quiet', () => {
    expect(isCrmSideQuiet({ folder: null, links: [] }, [], A)).toBe(false);
  });

  it('F9: only hourly runs (and their retries) take it, and only within 6 h of the last complete pass', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const recent = { folderId: 'id:f', cursor: 'c', fullCheckAt: new Date(now - 60_000) };
    expect(mayTakeShortcut(recent, 'hourly', now)).toBe(true);
    expect(mayTakeShortcut(recent, 'retry', now)).toBe(true);
    for (const trigger of ['refresh', 'webhook', 'start', 'confirm']) expect(mayTakeShortcut(recent, trigger, now)).toBe(false);
    expect(mayTakeShortcut({ ...recent, fullCheckAt: new Date(now - FULL_CHECK_EVERY_MS) }, 'hourly', now)).toBe(false);
    expect(mayTakeShortcut({ ...recent, fullCheckAt: null }, 'hourly', now)).toBe(false);
    expect(mayTakeShortcut({ ...recent, cursor: null }, 'hourly', now)).toBe(false);
    expect(mayTakeShortcut({ ...recent, folderId: null }, 'hourly', now)).toBe(false);
  });
});
