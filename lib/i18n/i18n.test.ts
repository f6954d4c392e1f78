import { describe, expect, it } from 'vitest';
import { CATALOGUES } from './catalogues';
import { loadMessages } from './load';
import {
  LOCALES,
  formatDateTime,
  formatMessage,
  formatParts,
  formatPlural,
  formattingLocale,
  localeFromAcceptLanguage,
  placeholdersOf,
  resolveLocale,
  type Messages,
} from './index';
import { en } from './en';

/** Every leaf of a catalogue as `path → string`. */
function leaves(node: unknown, path = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) for (const [p, v] of leaves(value, path ? `${path}.${key}` : key)) out.set(p, v);
  } else out.set(path, node);
  return out;
}

const english = leaves(en);
const others = LOCALES.filter((l) => l !== 'en');

// B8 at compile time: a catalogue with a missing key does not type-check.
// @ts-expect-error `common.cancel` and `common.confirm` are missing
const incomplete: Messages = { ...en, common: { loading: '…' } };
void incomplete;

describe('B8: message catalogues', () => {
  it.each(others)('B8: %s has exactly the keys of en, each a non-empty string', (locale) => {
    const translated = leaves(CATALOGUES[locale]);
    expect([...translated.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [path, value] of translated) {
      expect(typeof value, path).toBe('string');
      expect((value as string).trim(), path).not.toBe('');
    }
  });

  it.each(others)('B8: %s uses the same {placeholders} as en in every message', (locale) => {
    const translated = leaves(CATALOGUES[locale]);
    for (const [path, source] of english) expect(placeholdersOf(translated.get(path) as string), `${locale}: ${path}`).toEqual(placeholdersOf(source as string));
  });

  it.each(others)('B8: %s keeps product names untranslated', (locale) => {
    const translated = leaves(CATALOGUES[locale]);
    for (const [path, source] of english)
      for (const product of ['Pipedrive', 'Teamleader', 'Google Contacts', 'Microsoft Outlook', 'Dropbox', 'Synclane'])
        if ((source as string).includes(product)) expect(translated.get(path) as string, `${locale}: ${path}`).toContain(product);
  });

  it('B8: the Dutch export sentence keeps the group name in quotes (e2e relies on “Teamleader”)', () => {
    expect(formatMessage(CATALOGUES.nl.contacts.preview.summary, { toExport: 3, total: 4, group: 'Teamleader' })).toContain('“Teamleader”');
  });
});

describe('B8: resolveLocale follows the CRM or browser locale', () => {
  it.each([
    ['nl_BE', 'nl'],
    ['nl-BE', 'nl'],
    ['nl', 'nl'],
    ['NL-nl', 'nl'],
    ['sv_SE', 'sv'],
    ['fr-FR', 'fr'],
    ['fr_BE', 'fr'],
    ['de_DE', 'de'],
    ['de-AT', 'de'],
    ['en_US', 'en'],
    ['en-GB', 'en'],
    ['es_ES', 'en'],
    ['pt-BR', 'en'],
    ['', 'en'],
    [null, 'en'],
    [undefined, 'en'],
    ['garbage!', 'en'],
  ] as const)('%s → %s', (input, expected) => {
    expect(resolveLocale(input)).toBe(expected);
  });

  it.each([
    ['nl-BE,nl;q=0.9,en;q=0.8', 'nl'],
    ['es-ES,es;q=0.9,de;q=0.5,en;q=0.4', 'de'],
    ['en;q=0.5,fr;q=0.8', 'fr'],
    ['*', 'en'],
    ['sv;q=0,de', 'de'],
    ['', 'en'],
    [null, 'en'],
  ] as const)('Accept-Language %s → %s', (header, expected) => {
    expect(localeFromAcceptLanguage(header)).toBe(expected);
  });

  it('dates keep the CRM region when it matches the language', () => {
    expect(formattingLocale('nl_BE')).toBe('nl-BE');
    expect(formattingLocale('en_US')).toBe('en-US');
    expect(formattingLocale('es_ES')).toBe('en');
    expect(formattingLocale(null)).toBe('en');
  });
});

describe('B8: formatting', () => {
  it('fills {name} tokens and leaves unknown ones visible', () => {
    expect(formatMessage('{a} and {b}, again {a}', { a: 'x', b: 2 })).toBe('x and 2, again x');
    expect(formatMessage('Hi {who}', {})).toBe('Hi {who}');
  });

  it('splits a template around rich values, in order', () => {
    const node = { bold: true };
    expect(formatParts('{n} of {total} persons', { n: node, total: 5 })).toEqual([node, ' of ', '5', ' persons']);
  });

  it('chooses plural forms by the language (French 0 and 1 are singular)', () => {
    const forms = { one: '{count} one', other: '{count} other' };
    expect(formatPlural('en', 1, forms)).toBe('1 one');
    expect(formatPlural('en', 0, forms)).toBe('0 other');
    expect(formatPlural('fr', 0, forms)).toBe('0 one');
    expect(formatPlural('nl', 2, forms)).toBe('2 other');
    expect(formatPlural('de', 1_000_000, forms)).toBe('1000000 other');
    expect(formatPlural('fr', 1_000_000, forms)).toBe('1000000 other');
  });
});

describe('B8: the engine’s reason codes and run phases are translated by code', () => {
  it('B8/B4: every language words exactly the reason codes the engine can store, and every run phase', async () => {
    const { REASON_CODES, PHASES } = await import('@/lib/sync/runtime/reasons');
    const { CATALOGUES } = await import('./catalogues');
    for (const [locale, t] of Object.entries(CATALOGUES)) {
      expect(Object.keys(t.reasons).sort(), locale).toEqual([...REASON_CODES].sort());
      expect(Object.keys(t.phases).sort(), locale).toEqual([...PHASES].sort());
      for (const code of REASON_CODES) expect((t.reasons as Record<string, string>)[code]!.length, `${locale} ${code}`).toBeGreaterThan(5);
    }
  });

  it('B8/C12: the export skip codes of the engine are reason codes (no sentences stored)', async () => {
    const { SKIP_REASONS } = await import('@/lib/sync/contacts/constants');
    const { isReasonCode } = await import('@/lib/sync/runtime/reasons');
    for (const code of Object.values(SKIP_REASONS)) expect(isReasonCode(code), code).toBe(true);
  });
});

describe('B8: one language at a time in the browser (iframe budget)', () => {
  it.each(LOCALES)('B8: loadMessages(%s) gives the same catalogue the server uses', async (locale) => {
    expect(await loadMessages(locale)).toBe(CATALOGUES[locale]);
  });
});

describe('B8 polish: server facts worded in the UI', () => {
  it('B8: every error code the server stores (lib/errors) has a sentence in each language', async () => {
    const { ERROR_CODES } = await import('@/lib/errors');
    for (const locale of LOCALES) for (const code of Object.keys(ERROR_CODES)) expect((CATALOGUES[locale].errors as Record<string, string>)[code], `${locale}: ${code}`).toBeTruthy();
  });

  it('B8: an idle sync is "set up", never "running"; running syncs are counted separately', async () => {
    const { formatSyncCounts } = await import('./index');
    expect(formatSyncCounts('en', CATALOGUES.en, 1, 0)).toEqual(['1 sync set up']);
    expect(formatSyncCounts('en', CATALOGUES.en, 2, 1)).toEqual(['2 syncs set up', '1 running now']);
    expect(formatSyncCounts('fr', CATALOGUES.fr, 1, 0).join(' ')).not.toMatch(/cours/);
  });

  it('B3/B8: the delete prompt is pluralised in every language (no "1 contacts")', () => {
    expect(formatPlural('en', 1, CATALOGUES.en.contacts.dashboard.deletePrompt)).toContain('delete 1 contact —');
    expect(formatPlural('en', 6, CATALOGUES.en.contacts.dashboard.deletePrompt)).toContain('delete 6 contacts');
    for (const locale of LOCALES) {
      const one = formatPlural(locale, 1, CATALOGUES[locale].contacts.dashboard.deletePrompt);
      const many = formatPlural(locale, 6, CATALOGUES[locale].contacts.dashboard.deletePrompt);
      expect(one, locale).not.toBe(many.replace('6', '1'));
    }
  });
});

describe('B8 times as the CRM shows them', () => {
  it('B8: last/next run times are a medium date and hours:minutes in the user’s format — no seconds', () => {
    const at = '2026-11-30T06:43:59Z';
    for (const [locale, expected] of [['en-US', /^Nov 30, 2026, \d{1,2}:\d{2}\s?[AP]M$/], ['nl-BE', /^30 nov 2026, \d{2}:\d{2}$/], ['sv-SE', /^30 nov\. 2026 \d{2}:\d{2}$/]] as const)
      expect(formatDateTime(at, locale), locale).toMatch(expected);
    expect(formatDateTime(null, 'en-US')).toBe('—');
  });
});
