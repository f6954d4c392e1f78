/**
 * UI languages (B8): English, Dutch, French, Swedish and German, following the CRM user's locale.
 * Pure helpers only — safe in client components, server pages and tests. The catalogues themselves are not
 * imported here, so a client bundle carries only the languages it loads: servers and tests take them all from
 * `./catalogues`, the browser loads one at a time with `loadMessages` (`./load`).
 */
import type { Locale } from './locales';
import type { Messages, PluralForms } from './messages';

export type { Messages, PluralForms } from './messages';

export { LOCALES, DEFAULT_LOCALE, type Locale } from './locales';
import { LOCALES, DEFAULT_LOCALE } from './locales';

const isLocale = (value: string): value is Locale => (LOCALES as readonly string[]).includes(value);

/** The supported language of a CRM or browser locale (`nl_BE`, `nl-BE`, `NL`), or null when unsupported. */
export function supportedLocale(input: string | null | undefined): Locale | null {
  const language = (input ?? '').trim().toLowerCase().split(/[-_.@]/)[0] ?? '';
  return isLocale(language) ? language : null;
}

/** `nl_BE`, `nl-BE`, `sv_SE`, `fr-FR`, `de_DE`, `en_US` → our language; anything else → `en`. */
export function resolveLocale(input: string | null | undefined): Locale {
  return supportedLocale(input) ?? DEFAULT_LOCALE;
}

/**
 * The best supported language of an `Accept-Language` header (`nl-BE,nl;q=0.9,en;q=0.8`), by quality;
 * `en` when none is supported.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): Locale {
  const ranked = (header ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim(), quality: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.tag && r.tag !== '*' && Number.isFinite(r.quality) && r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of ranked) {
    const locale = supportedLocale(tag);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

/**
 * A BCP 47 tag for dates and numbers that keeps the CRM's region when it matches the UI language
 * (`nl_BE` → `nl-BE`, so Belgian users get Belgian date formats); otherwise just the language.
 */
export function formattingLocale(input: string | null | undefined, locale: Locale = resolveLocale(input)): string {
  const candidate = (input ?? '').trim().replace(/_/g, '-').split(/[.@]/)[0] ?? '';
  try {
    const [canonical] = Intl.getCanonicalLocales(candidate);
    if (canonical && supportedLocale(canonical) === locale) return canonical;
  } catch {
    /* not a valid tag */
  }
  return locale;
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills `{name}` tokens; a token without a value is left visible so a missing parameter is noticed. */
export function formatMessage(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(PLACEHOLDER, (token, name: string) => (name in params ? String(params[name]) : token));
}

/** Like `formatMessage`, but values may be any value (e.g. React elements); returns the pieces in order. */
export function formatParts<T>(template: string, params: Record<string, T | string | number>): (T | string)[] {
  const parts: (T | string)[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(template.slice(last, match.index));
    const name = match[1]!;
    const value = name in params ? params[name]! : match[0];
    parts.push(typeof value === 'number' ? String(value) : value);
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

/** The `{name}` tokens of a template, sorted and unique (tests compare them across languages). */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();
}

/** Picks the plural form for `count` by the language's CLDR rules (French 0 and 1 are singular). */
export function selectPlural(locale: Locale, count: number, forms: PluralForms): string {
  return new Intl.PluralRules(locale).select(count) === 'one' ? forms.one : forms.other;
}

/** Plural form + `{count}` and other tokens filled in one call. */
export function formatPlural(locale: Locale, count: number, forms: PluralForms, params: Record<string, string | number> = {}): string {
  return formatMessage(selectPlural(locale, count, forms), { count, ...params });
}

/** Date and time in the user's language; `—` when there is none. */
export function formatDateTime(iso: string | Date | null | undefined, formatting: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  // Like the CRMs show times: a medium date and hours:minutes in the user's format ("30 nov 2026, 06:43"),
  // not seconds.
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString(formatting, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Narrows a value from the server (a status, an action) to a key of a catalogue section. */
export function hasKey<T extends object>(section: T, key: string): key is Extract<keyof T, string> {
  return Object.prototype.hasOwnProperty.call(section, key);
}

/** "2 syncs set up · 1 running now": "running" only for syncs actually queued or running, never idle ones. */
export function formatSyncCounts(locale: Locale, t: Messages, active: number, running: number): string[] {
  return [formatPlural(locale, active, t.settings.activeSyncs), ...(running > 0 ? [formatPlural(locale, running, t.settings.runningNow)] : [])];
}
