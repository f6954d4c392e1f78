import type { en } from './en';

/** The catalogue's shape with every string widened: each language must have exactly these keys. */
type Shape<T> = { readonly [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };
export type Messages = Shape<typeof en>;

/** Plural forms as stored in the catalogue (the only categories en, nl, fr, sv and de need). */
export type PluralForms = { readonly one: string; readonly other: string };
