/**
 * Deterministic demo data: three Google accounts (named like the CRM demo users), each with Family /
 * Friends / Clients groups and a varied contact list (typed values, non-ASCII names, year-less
 * birthdays, notes, IM, custom fields, two photos). `generateContacts` bulk-creates synthetic contacts.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { GoogleAccount, PersonFields } from './google-state';
import { MY_CONTACTS, STARRED } from './person-fields';
import type { PersonStore, WriteOptions } from './person-store';

export const DEMO_ACCOUNTS = [
  { email: 'olivia.northwind@gmail.com', givenName: 'Olivia', familyName: 'Admin', locale: 'en' },
  { email: 'rahul.northwind@gmail.com', givenName: 'Rahul', familyName: 'Regular', locale: 'nl' },
  { email: 'lotte.bruggebikes@gmail.com', givenName: 'Lotte', familyName: 'Admin', locale: 'nl' },
] as const;

/** Fixed seed instant so demo etags and update times are reproducible. */
export const SEED_TIME = Date.UTC(2025, 8, 1, 8, 0, 0);

export function newAccount(email: string, givenName: string, familyName: string, locale: string): GoogleAccount {
  const digest = createHash('sha256').update(email.toLowerCase()).digest();
  const sub = `1${digest.readBigUInt64BE(0).toString().padStart(20, '0').slice(0, 20)}`;
  const idPrefix = String(100_000_000 + (digest.readUInt32BE(8) % 900_000_000));
  return {
    email: email.toLowerCase(),
    sub,
    name: `${givenName} ${familyName}`,
    givenName,
    familyName,
    locale,
    idPrefix,
    nextContactNumber: 1,
    nextGroupNumber: 1,
    seq: 0,
    contacts: {},
    groups: {},
    photos: {},
    requestCounts: {},
  };
}

// ------------------------------------------------------------------ tiny PNG encoder (demo photos)

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A size×size PNG: a solid background with a lighter centred square (looks like an avatar). */
export function avatarPng(rgb: [number, number, number], size = 32): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const inner = x > size / 4 && x < (size * 3) / 4 && y > size / 4 && y < (size * 3) / 4;
      const [r, g, b] = inner ? rgb.map((c) => Math.min(255, c + 90)) : rgb;
      row[1 + x * 3] = r;
      row[2 + x * 3] = g;
      row[3 + x * 3] = b;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ------------------------------------------------------------------ demo contacts

type Seed = {
  given?: string;
  family?: string;
  emails?: [string, string][];
  phones?: [string, string][];
  org?: { name: string; title?: string; department?: string };
  address?: { streetAddress: string; postalCode: string; city: string; country: string; countryCode: string; type?: string };
  note?: string;
  birthday?: { year?: number; month: number; day: number };
  im?: { username: string; protocol: string };
  url?: string;
  custom?: [string, string];
  groups: ('Family' | 'Friends' | 'Clients' | 'starred')[];
  photo?: [number, number, number];
};

const BASE_SEEDS: Seed[] = [
  { given: 'Ada', family: 'Lovelace', emails: [['ada@contoso.example', 'work']], phones: [['+44 7700 900001', 'mobile'], ['+44 20 7946 0001', 'work']], org: { name: 'Contoso Ltd', title: 'Head of Analytics' }, address: { streetAddress: '1 Market Street', postalCode: 'EC1A 1AA', city: 'London', country: 'United Kingdom', countryCode: 'GB', type: 'work' }, groups: ['Clients', 'starred'], photo: [60, 110, 200] },
  { given: 'Zoë', family: 'Åkesson', emails: [['zoe.akesson@akesson.example', 'work'], ['zoe@home.example', 'home']], phones: [['+46 70 123 45 67', 'mobile']], org: { name: 'Åkesson & Söner AB', title: 'CEO' }, birthday: { year: 1984, month: 3, day: 14 }, groups: ['Clients'] },
  { given: 'José', family: 'Núñez', emails: [['jose.nunez@nunez.example', 'work']], phones: [['+34 612 345 678', 'mobile']], org: { name: 'Núñez Importaciones SL', title: 'Buyer', department: 'Purchasing' }, im: { username: 'jose.nunez', protocol: 'skype' }, groups: ['Clients'] },
  { given: 'Łukasz', family: 'Żółć', emails: [['lukasz@zolc.example', 'work']], phones: [['+48 601 234 567', 'mobile'], ['+48 22 555 01 24', 'work']], org: { name: 'Żółć Logistics Sp. z o.o.' }, note: 'Prefers calls before 10:00.', groups: ['Clients'] },
  { given: 'Søren', family: 'Kierkegård', emails: [['soren@kierkegard.example', 'work']], org: { name: 'Kierkegård Consulting ApS', title: 'Partner' }, url: 'https://kierkegard.example', groups: ['Clients'] },
  { given: 'Marie', family: 'Janssens', emails: [['marie.janssens@gmail.com', 'home']], phones: [['+32 486 98 76 54', 'mobile']], address: { streetAddress: 'Langestraat 14', postalCode: '8000', city: 'Brugge', country: 'Belgium', countryCode: 'BE', type: 'home' }, birthday: { year: 1990, month: 9, day: 30 }, groups: ['Clients'] },
  { given: 'Tom', family: 'Peeters', emails: [['tom.peeters@fietsenvermeulen.be', 'work']], phones: [['+32 50 33 44 56', 'work']], org: { name: 'Fietsen Vermeulen NV', title: 'Workshop lead' }, custom: ['Customer tier', 'Gold'], groups: ['Clients'] },
  { given: 'Grace', family: 'Hopper', emails: [['grace@fabrikam.example', 'work']], phones: [['+49 30 901821', 'work']], org: { name: 'Fabrikam GmbH', title: 'CTO' }, groups: ['Clients', 'starred'], photo: [190, 80, 60] },
  { given: 'Li', family: 'Lei', emails: [['li.lei@beijing-trade.example', 'work']], phones: [['+86 138 0013 8000', 'mobile']], org: { name: '北京贸易有限公司' }, groups: ['Clients'] },
  { given: 'Noor', family: 'El Amrani', phones: [['+31 6 1234 5678', 'mobile']], org: { name: 'Northwind Partners', title: 'Account manager' }, groups: ['Clients'] },
  { given: 'Mum', emails: [['mum@family.example', 'home']], phones: [['+32 475 11 22 33', 'home']], birthday: { month: 5, day: 2 }, groups: ['Family', 'starred'] },
  { given: 'Arne', family: 'Vos', emails: [['arne.vos@family.example', 'home']], phones: [['+32 476 22 33 44', 'mobile']], birthday: { year: 2012, month: 11, day: 8 }, groups: ['Family'] },
  { given: 'Hanne', family: 'Vos', phones: [['+32 477 33 44 55', 'mobile']], groups: ['Family'] },
  { given: 'Luca', family: 'Bianchi', emails: [['luca.bianchi@friends.example', 'home']], phones: [['+39 333 123 4567', 'mobile']], im: { username: 'luca_b', protocol: 'jabber' }, groups: ['Friends'] },
  { given: 'Fatima', family: 'Zahra', emails: [['fatima.zahra@friends.example', 'home']], note: 'Met at the Ghent cycling meetup.', groups: ['Friends'] },
  { given: 'Inès', family: 'Dubois', emails: [['ines.dubois@friends.example', 'other']], phones: [['06 12 34 56 78', 'mobile']], groups: ['Friends'] },
  { emails: [['newsletter@shop.example', 'other']], groups: [] },
  { given: 'Björn', phones: [['+46 70 555 66 77', 'mobile']], groups: [] },
  { given: 'Chloé', family: 'Martin', emails: [['chloe.martin@tailspin.example', 'work']], phones: [['+1 206 555 0142', 'work']], org: { name: 'Tailspin Toys', title: 'Product manager' }, address: { streetAddress: '500 Oak Ave', postalCode: '98101', city: 'Seattle', country: 'United States', countryCode: 'US', type: 'work' }, groups: ['Clients'] },
  { given: 'Pieter', family: 'De Smet', emails: [['pieter.desmet@example.be', 'work'], ['pieter@desmet.example', 'home']], phones: [['+32 50 12 34 57', 'work'], ['+32 486 12 34 57', 'mobile']], note: 'Two-line note.\nSecond line.', groups: ['Friends', 'Clients'] },
];

/** Each account gets a deterministic slice of the shared seeds plus its own owner-specific contacts. */
const ACCOUNT_SEEDS: Record<string, Seed[]> = {
  'olivia.northwind@gmail.com': [...BASE_SEEDS, { given: 'Ivan', family: 'Petrov', emails: [['ivan.petrov@example.ru', 'work']], phones: [['+7 495 123-45-67', 'work']], groups: ['Clients'] }],
  'rahul.northwind@gmail.com': BASE_SEEDS.filter((_, i) => i % 3 !== 2),
  'lotte.bruggebikes@gmail.com': [
    ...BASE_SEEDS.filter((_, i) => i >= 5),
    { given: 'Joëlle', family: 'Van Damme', emails: [['joelle.vandamme@telenet.be', 'home']], phones: [['+32 50 12 34 56', 'home']], address: { streetAddress: 'Ezelstraat 88', postalCode: '8000', city: 'Brugge', country: 'Belgium', countryCode: 'BE', type: 'home' }, groups: ['Clients'] },
    { given: 'Liesbeth', family: 'Van Acker', emails: [['liesbeth.vanacker@telenet.be', 'home']], groups: ['Clients'] },
  ],
};

function seedFields(seed: Seed): PersonFields {
  const fields: PersonFields = {};
  if (seed.given || seed.family) fields.names = [{ ...(seed.given ? { givenName: seed.given } : {}), ...(seed.family ? { familyName: seed.family } : {}) }];
  if (seed.emails?.length) fields.emailAddresses = seed.emails.map(([value, type]) => ({ value, type }));
  if (seed.phones?.length) fields.phoneNumbers = seed.phones.map(([value, type]) => ({ value, type }));
  if (seed.org) fields.organizations = [{ ...seed.org, type: 'work', current: true }];
  if (seed.address) fields.addresses = [{ type: 'home', ...seed.address }];
  if (seed.note) fields.biographies = [{ value: seed.note, contentType: 'TEXT_PLAIN' }];
  if (seed.birthday) fields.birthdays = [{ date: seed.birthday }];
  if (seed.im) fields.imClients = [{ ...seed.im, type: 'home' }];
  if (seed.url) fields.urls = [{ value: seed.url, type: 'work' }];
  if (seed.custom) fields.userDefined = [{ key: seed.custom[0], value: seed.custom[1] }];
  return fields;
}

/** Fills a fresh account with its groups and contacts. */
export function seedAccount(store: PersonStore, account: GoogleAccount): void {
  const opts: WriteOptions = { now: SEED_TIME, propagationDelayMs: 0 };
  store.ensureSystemGroups(account, SEED_TIME);
  const groupIds: Record<string, string> = { starred: STARRED };
  for (const name of ['Family', 'Friends', 'Clients']) groupIds[name] = store.createGroup(account, name, undefined, SEED_TIME).resourceName;
  (ACCOUNT_SEEDS[account.email] ?? BASE_SEEDS).forEach((seed, i) => {
    const at = { ...opts, now: SEED_TIME + (i + 1) * 60_000 };
    const contact = store.insertContact(account, seedFields(seed), [MY_CONTACTS, ...seed.groups.map((g) => groupIds[g])], at);
    if (seed.photo) store.setPhoto(account, contact.resourceName, avatarPng(seed.photo), at);
  });
}

const GEN_FIRST = ['Lotte', 'Jan', 'Åsa', 'Chloé', 'Joëlle', 'Łukasz', 'Pieter', 'Marie', 'Sören', 'Zoë', 'Émile', 'Noor', 'Arne', 'Inès', 'Björn', 'Małgorzata', 'Tom', 'Hanne', 'Luca', 'Fatima'];
const GEN_LAST = ['Peeters', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens', 'Wouters', 'De Smet', 'Nowak', 'Lindqvist', 'Núñez', 'Rossi', 'Müller', 'Dubois', 'Smith', 'Kowalski', 'Okafor', 'Tanaka'];
const GEN_ORGS = ['Contoso Ltd', 'Fabrikam GmbH', 'Tailspin Toys', 'Brugge Bikes BV', 'Northwind Partners', null, null];

/** Fast bulk creation (100,000 in well under a few seconds): bypasses HTTP and validation. */
export function generateContactsInto(store: PersonStore, account: GoogleAccount, count: number, opts: WriteOptions, groupResourceName?: string): string[] {
  const created: string[] = new Array(count);
  const groups = groupResourceName && groupResourceName !== MY_CONTACTS ? [MY_CONTACTS, groupResourceName] : [MY_CONTACTS];
  const start = account.nextContactNumber;
  for (let i = 0; i < count; i++) {
    const n = start + i;
    const given = GEN_FIRST[n % GEN_FIRST.length];
    const family = GEN_LAST[Math.floor(n / GEN_FIRST.length) % GEN_LAST.length];
    const org = GEN_ORGS[n % GEN_ORGS.length];
    const fields: PersonFields = {
      names: [{ givenName: given, familyName: `${family} ${n}` }],
      emailAddresses: [{ value: `generated.${n}@contacts.example`, type: n % 2 ? 'work' : 'home' }],
      phoneNumbers: [{ value: `+32 470 ${String(n % 1_000_000).padStart(6, '0')}`, type: 'mobile' }],
      ...(org ? { organizations: [{ name: org, title: 'Generated contact', type: 'work' }] } : {}),
    };
    created[i] = store.insertContact(account, fields, groups.slice(), opts).resourceName;
  }
  return created;
}
