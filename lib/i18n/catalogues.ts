/** Every UI language at once: for server-rendered pages and tests (client components use `./load`). */
import { en } from './en';
import { nl } from './nl';
import { fr } from './fr';
import { sv } from './sv';
import { de } from './de';
import type { Locale } from './locales';
import type { Messages } from './messages';

export const CATALOGUES: Record<Locale, Messages> = { en, nl, fr, sv, de };

export function messagesFor(locale: Locale): Messages {
  return CATALOGUES[locale];
}
