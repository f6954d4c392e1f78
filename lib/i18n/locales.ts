export const LOCALES = ['en', 'nl', 'fr', 'sv', 'de'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';
