/** The language of a server-rendered page: `?lang=` when given and supported, else `Accept-Language`. */
import { headers } from 'next/headers';
import { localeFromAcceptLanguage, supportedLocale, type Locale } from './index';

export async function requestLocale(lang?: string | null): Promise<Locale> {
  return supportedLocale(lang) ?? localeFromAcceptLanguage((await headers()).get('accept-language'));
}
