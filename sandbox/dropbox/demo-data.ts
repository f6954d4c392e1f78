/**
 * Demo Dropbox accounts: the CRM demo users link their own Dropbox (F1, M3) — Olivia and Rahul of
 * Northwind Traders (Pipedrive), Lotte and Pieter of Brugge Bikes (Teamleader). App folders start empty,
 * as they are right after a user links the app.
 */
import { createHash } from 'node:crypto';
import type { DropboxAccount } from './dropbox-state';

type DemoPerson = { email: string; givenName: string; surname: string; locale: string; country: string };

const PEOPLE: DemoPerson[] = [
  { email: 'olivia.northwind@gmail.com', givenName: 'Olivia', surname: 'Admin', locale: 'en', country: 'GB' },
  { email: 'rahul.northwind@gmail.com', givenName: 'Rahul', surname: 'Regular', locale: 'nl', country: 'NL' },
  { email: 'lotte.bruggebikes@gmail.com', givenName: 'Lotte', surname: 'Admin', locale: 'nl', country: 'BE' },
  { email: 'pieter.bruggebikes@gmail.com', givenName: 'Pieter', surname: 'Gewoon', locale: 'nl', country: 'BE' },
];

/** Dropbox Basic: 2 GB. */
const BASIC_QUOTA_BYTES = 2 * 1024 ** 3;

export function demoAccount(person: DemoPerson, index: number): DropboxAccount {
  const digest = createHash('sha256').update(person.email).digest('base64url');
  return {
    accountId: `dbid:AA${digest.slice(0, 41)}`,
    uid: String(41_000_100 + index),
    email: person.email,
    givenName: person.givenName,
    surname: person.surname,
    displayName: `${person.givenName} ${person.surname}`,
    locale: person.locale,
    country: person.country,
    quotaBytes: BASIC_QUOTA_BYTES,
  };
}

export const DEMO_ACCOUNTS: DropboxAccount[] = PEOPLE.map(demoAccount);
