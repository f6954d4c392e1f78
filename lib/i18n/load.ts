/**
 * One UI language for the browser. English is in the first-load bundle (the server renders English and it is
 * the fallback); the others are separate chunks fetched when the user's locale asks for them, so the iframe
 * does not download five catalogues to show one.
 */
import { en } from './en';
import type { Locale } from './locales';
import type { Messages } from './messages';

export const FALLBACK_MESSAGES: Messages = en;

export async function loadMessages(locale: Locale): Promise<Messages> {
  switch (locale) {
    case 'en':
      return en;
    case 'nl':
      return (await import('./nl')).nl;
    case 'fr':
      return (await import('./fr')).fr;
    case 'sv':
      return (await import('./sv')).sv;
    case 'de':
      return (await import('./de')).de;
  }
}
