'use client';
/**
 * The UI language on the client (B8). Starts in English (what the server rendered), guesses from the
 * browser until the CRM says otherwise, and then follows the CRM user's locale from /api/embedded/context.
 * Only English is in the first-load bundle; another language's catalogue is fetched when it is wanted (the
 * browser's guess starts that early, so it is usually there by the time the CRM confirms it) and the UI
 * switches once it has arrived.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  DEFAULT_LOCALE,
  formatDateTime,
  formatMessage,
  formatPlural,
  formattingLocale,
  resolveLocale,
  selectPlural,
  supportedLocale,
  type Locale,
  type Messages,
  type PluralForms,
} from '@/lib/i18n';
import { FALLBACK_MESSAGES, loadMessages } from '@/lib/i18n/load';
import { richText } from './rich-text';

export type I18n = {
  locale: Locale;
  t: Messages;
  /** Follow the CRM user's locale as the CRM reports it (`nl_BE`, `en-US`, …). */
  setCrmLocale(input: string | null | undefined): void;
  format(template: string, params?: Record<string, string | number>): string;
  /** `format` with React nodes as values (a <strong> inside a sentence). */
  rich(template: string, params: Record<string, ReactNode>): ReactNode;
  plural(count: number, forms: PluralForms, params?: Record<string, string | number>): string;
  /** The plural form for `count`, unformatted (for `rich`). */
  selectForms(count: number, forms: PluralForms): string;
  date(iso: string | null | undefined): string;
  /** A count in the user's number format (1 234 / 1.234 / 1,234). */
  number(value: number): string;
};

const I18nContext = createContext<I18n | null>(null);

export const useI18n = (): I18n => {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nProvider');
  return i18n;
};

export function I18nProvider({ children }: { children: ReactNode }) {
  const [source, setSource] = useState<{ input: string; fromCrm: boolean }>({ input: DEFAULT_LOCALE, fromCrm: false });

  useEffect(() => {
    const browser = navigator.languages?.find((l) => supportedLocale(l)) ?? navigator.language;
    setSource((s) => (s.fromCrm ? s : { input: browser, fromCrm: false }));
  }, []);

  const setCrmLocale = useCallback((input: string | null | undefined) => {
    if (input) setSource((s) => (s.fromCrm && s.input === input ? s : { input, fromCrm: true }));
  }, []);

  const wanted = resolveLocale(source.input);
  const [loaded, setLoaded] = useState<Partial<Record<Locale, Messages>>>({ [DEFAULT_LOCALE]: FALLBACK_MESSAGES });
  useEffect(() => {
    if (loaded[wanted]) return;
    let cancelled = false;
    loadMessages(wanted)
      .then((messages) => {
        if (!cancelled) setLoaded((l) => ({ ...l, [wanted]: messages }));
      })
      .catch(() => undefined); // stays in English (a chunk that fails to load must not break the page)
    return () => {
      cancelled = true;
    };
  }, [wanted, loaded]);
  // Until the wanted catalogue is here, everything (texts, plurals, dates) stays in English together.
  const locale: Locale = loaded[wanted] ? wanted : DEFAULT_LOCALE;
  const messages = loaded[locale] ?? FALLBACK_MESSAGES;
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const i18n = useMemo<I18n>(() => {
    const dates = locale === wanted ? formattingLocale(source.input, locale) : locale;
    return {
      locale,
      t: messages,
      setCrmLocale,
      format: formatMessage,
      rich: richText,
      plural: (count, forms, params) => formatPlural(locale, count, forms, params),
      selectForms: (count, forms) => selectPlural(locale, count, forms),
      date: (iso) => formatDateTime(iso, dates),
      number: (value) => new Intl.NumberFormat(dates).format(value),
    };
  }, [locale, wanted, messages, source.input, setCrmLocale]);

  return <I18nContext.Provider value={i18n}>{children}</I18nContext.Provider>;
}

/** For server-rendered pages: the root layout says `lang="en"`; this corrects it after hydration. */
export function DocumentLanguage({ locale }: { locale: Locale }) {
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return null;
}
