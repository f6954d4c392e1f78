import { describe, expect, it } from 'vitest';
import {
  MAX_FILE_SIZE_BYTES,
  conflictedCopyName,
  numberedName,
  recordFolderName,
  recordFolderPath,
  sanitizeDropboxName,
  splitExtension,
} from './constants';

describe('F6 size limit', () => {
  it('F6: the limit is 50 MB', () => {
    expect(MAX_FILE_SIZE_BYTES).toBe(50 * 1024 * 1024);
  });
});

describe('Dropbox-safe names (providers.md §1.4)', () => {
  it.each([
    ['Offer: 2024/Q1?', 'Offer- 2024-Q1-'],
    ['a<b>c"d|e*f\\g', 'a-b-c-d-e-f-g'],
    ['trailing dots...', 'trailing dots'],
    ['trailing space   ', 'trailing space'],
    ['  many   spaces  ', 'many spaces'],
    ['tab\tand\nnewline', 'tab and newline'],
    ['', 'Untitled'],
    ['...', 'Untitled'],
    ['CON', 'CON_'],
    ['nul.txt', 'nul.txt_'],
    ['desktop.ini', '_desktop.ini'],
    ['.DS_Store', '_.DS_Store'],
    ['Café', 'Café'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeDropboxName(input)).toBe(expected);
  });

  it('keeps the extension when truncating long names', () => {
    const long = `${'x'.repeat(300)}.pdf`;
    const clean = sanitizeDropboxName(long);
    expect(clean.length).toBe(255);
    expect(clean.endsWith('.pdf')).toBe(true);
  });

  it('splits extensions like Dropbox does (last dot; dot-files have none)', () => {
    expect(splitExtension('archive.tar.gz')).toEqual({ stem: 'archive.tar', extension: '.gz' });
    expect(splitExtension('.env')).toEqual({ stem: '.env', extension: '' });
    expect(splitExtension('README')).toEqual({ stem: 'README', extension: '' });
  });
});

describe('F3 record folder names', () => {
  it('F3: <Record name> (<record id>) under the module folder', () => {
    expect(recordFolderName('Acme Corp', '42')).toBe('Acme Corp (42)');
    expect(recordFolderPath('teamleader', 'companies', 'Acme Corp', 'f3a1-9c')).toBe('/Companies/Acme Corp (f3a1-9c)');
    expect(recordFolderPath('pipedrive', 'deals', 'Renewal 2027', '7')).toBe('/Deals/Renewal 2027 (7)');
  });

  it('F9: the id suffix survives sanitizing and truncation of the name', () => {
    const name = recordFolderName(`${'Very long company name '.repeat(10)}/ Ltd.`, '12345');
    expect(name.endsWith(' (12345)')).toBe(true);
    expect(name.length).toBeLessThanOrEqual(80 + ' (12345)'.length);
    expect(recordFolderName('AT&T / Europe', '9')).toBe('AT&T - Europe (9)');
    expect(recordFolderName('', '9')).toBe('Untitled (9)');
  });

  it('F2: unknown modules are a programming error', () => {
    expect(() => recordFolderPath('pipedrive', 'meetings', 'x', '1')).toThrow(/No pipedrive file module/);
  });
});

describe('conflicted copies (Dropbox convention)', () => {
  it('adds "conflicted copy" and the UTC date before the extension', () => {
    expect(conflictedCopyName('offer.pdf', '2026-11-30T23:59:00Z')).toBe('offer (conflicted copy 2026-11-30).pdf');
    expect(conflictedCopyName('README', '2026-01-02T00:00:00Z')).toBe('README (conflicted copy 2026-01-02)');
  });

  it("names the editor like the desktop client (\"Ada's conflicted copy\")", () => {
    expect(conflictedCopyName('plan.docx', '2026-11-30T10:00:00Z', 'Ada')).toBe("plan (Ada's conflicted copy 2026-11-30).docx");
  });

  it('numbers a second file with the same name like Dropbox autorename', () => {
    expect(numberedName('offer.pdf', 2)).toBe('offer (2).pdf');
    expect(numberedName('README', 3)).toBe('README (3)');
  });
});
