/**
 * Deterministic demo data: the Brugge Bikes account, three users with different rights, ~10 companies
 * and ~50 contacts that exercise the awkward cases (last name only, no phone or e-mail, non-ASCII names,
 * phone/mobile/fax numbers, company links with positions, birthdays, addresses, custom fields).
 */
import { formatTimestamp, stableUuid } from './ids';
import {
  defaultConfig,
  type Account,
  type Address,
  type CompanyRecord,
  type ContactRecord,
  type CustomFieldDefinition,
  type FileRecord,
  type OtherRecord,
  type SubjectType,
  type TeamleaderState,
  type TeamleaderUser,
  type Telephone,
} from './types';

export const DEMO_ACCOUNT_ID = '5b1e2c3d-7a8f-4b6c-9d0e-1f2a3b4c5d6e';
export const DEMO_ADMIN_USER_ID = 'a1d2e3f4-0001-4c5d-8e9f-000000000001';
export const DEMO_REGULAR_USER_ID = 'a1d2e3f4-0002-4c5d-8e9f-000000000002';
export const DEMO_RESTRICTED_USER_ID = 'a1d2e3f4-0003-4c5d-8e9f-000000000003';

export const DEMO_CUSTOM_FIELD_IDS = {
  preferredBike: stableUuid('cfd:preferred-bike'),
  customerSince: stableUuid('cfd:customer-since'),
  dealerTier: stableUuid('cfd:dealer-tier'),
};

/** Seed timestamps are fixed (not "now") so the demo data is byte-for-byte reproducible. */
const SEED_BASE_MS = Date.UTC(2025, 5, 2, 8, 0, 0);

const account: Account = { id: DEMO_ACCOUNT_ID, name: 'Brugge Bikes', language: 'nl', time_zone: 'Europe/Brussels' };

const users: TeamleaderUser[] = [
  {
    id: DEMO_ADMIN_USER_ID, account_id: DEMO_ACCOUNT_ID, first_name: 'Lotte', last_name: 'Admin',
    email: 'lotte.admin@bruggebikes.be', language: 'nl-BE', function: 'Zaakvoerder',
    telephones: [{ type: 'phone', number: '+32 50 44 12 00' }], time_zone: 'Europe/Brussels',
    role: 'admin', can_add_contacts: true, can_export: true,
  },
  {
    id: DEMO_REGULAR_USER_ID, account_id: DEMO_ACCOUNT_ID, first_name: 'Pieter', last_name: 'Gewoon',
    email: 'pieter.gewoon@bruggebikes.be', language: 'nl-BE', function: 'Verkoper',
    telephones: [{ type: 'mobile', number: '+32 470 11 22 33' }], time_zone: 'Europe/Brussels',
    role: 'regular', can_add_contacts: true, can_export: true,
  },
  {
    id: DEMO_RESTRICTED_USER_ID, account_id: DEMO_ACCOUNT_ID, first_name: 'Bram', last_name: 'Beperkt',
    email: 'bram.beperkt@bruggebikes.be', language: 'en', function: 'Stagiair',
    telephones: [], time_zone: 'Europe/Brussels',
    role: 'restricted', can_add_contacts: false, can_export: false,
  },
];

const address = (line_1: string, postal_code: string, city: string, country: string): Address => ({
  type: 'primary',
  address: { line_1, postal_code, city, country, area_level_two_id: null },
});

type CompanySeed = { name: string; phone: string; fax?: string; email?: string; website?: string; vat?: string; address: Address; tier?: string };

const companySeeds: CompanySeed[] = [
  { name: 'Fietsen Vermeulen NV', phone: '+32 50 33 44 55', email: 'info@fietsenvermeulen.be', website: 'https://fietsenvermeulen.be', vat: 'BE0412345678', address: address('Steenstraat 12', '8000', 'Brugge', 'BE'), tier: 'Gold' },
  { name: 'Gentse Velowerken BV', phone: '+32 9 223 45 67', fax: '+32 9 223 45 68', email: 'hallo@velowerken.be', vat: 'BE0723456789', address: address('Korenmarkt 5', '9000', 'Gent', 'BE'), tier: 'Silver' },
  { name: 'Atelier Dubois SRL', phone: '+32 4 221 10 10', email: 'contact@atelier-dubois.be', address: address('Rue Léopold 27', '4000', 'Liège', 'BE') },
  { name: 'Nordic Cycles AB', phone: '+46 31 711 22 00', website: 'https://nordiccycles.se', address: address('Kungsgatan 44', '411 19', 'Göteborg', 'SE'), tier: 'Gold' },
  { name: 'Rowerowo Sp. z o.o.', phone: '+48 12 345 67 89', address: address('ul. Floriańska 15', '31-019', 'Kraków', 'PL') },
  { name: 'Antwerp Wheels', phone: '+32 3 231 00 11', email: 'sales@antwerpwheels.be', address: address('Meir 80', '2000', 'Antwerpen', 'BE'), tier: 'Bronze' },
  { name: 'Leuven Logistics', phone: '+32 16 20 30 40', fax: '+32 16 20 30 41', address: address('Bondgenotenlaan 101', '3000', 'Leuven', 'BE') },
  { name: 'Café De Zandberg', phone: '+32 50 61 61 61', address: address('Zand 3', '8000', 'Brugge', 'BE') },
  { name: 'Radhaus Müller GmbH', phone: '+49 241 123 456', email: 'info@radhaus-mueller.de', vat: 'DE123456789', address: address('Pontstraße 9', '52062', 'Aachen', 'DE'), tier: 'Silver' },
  { name: 'Kortrijk Koers vzw', phone: '+32 56 22 33 44', address: address('Grote Markt 1', '8500', 'Kortrijk', 'BE') },
];

type ContactSeed = {
  first?: string;
  last: string;
  email?: string | string[];
  phones?: [Telephone['type'], string][];
  company?: number;
  position?: string;
  birthdate?: string;
  address?: Address;
  tags?: string[];
  remarks?: string;
  gender?: ContactRecord['gender'];
  language?: string;
  bike?: string;
};

const contactSeeds: ContactSeed[] = [
  { first: 'Jan', last: 'Peeters', email: 'jan.peeters@fietsenvermeulen.be', phones: [['phone', '+32 50 33 44 56'], ['mobile', '+32 475 12 34 56']], company: 0, position: 'Zaakvoerder', birthdate: '1978-04-12', tags: ['dealer', 'vip'], gender: 'male', language: 'nl', bike: 'Koga Miyata' },
  { first: 'Marie', last: 'Janssens', email: 'marie.janssens@gmail.com', phones: [['mobile', '+32 486 98 76 54']], birthdate: '1990-09-30', address: address('Langestraat 14', '8000', 'Brugge', 'BE'), tags: ['klant'], gender: 'female', language: 'nl' },
  { first: 'Åsa', last: 'Lindström', email: 'asa.lindstrom@nordiccycles.se', phones: [['phone', '+46 31 711 22 01'], ['mobile', '+46 70 123 45 67']], company: 3, position: 'Inköpschef', tags: ['dealer'], gender: 'female', language: 'sv' },
  { first: 'Chloé', last: 'Dubois', email: 'chloe@atelier-dubois.be', phones: [['mobile', '+32 478 55 44 33']], company: 2, position: 'Gérante', birthdate: '1985-02-14', gender: 'female', language: 'fr' },
  { first: 'Joëlle', last: 'Van Damme', email: 'joelle.vandamme@telenet.be', phones: [['phone', '+32 50 12 34 56']], address: address('Ezelstraat 88', '8000', 'Brugge', 'BE'), tags: ['klant', 'nieuwsbrief'], language: 'nl' },
  { first: 'Łukasz', last: 'Nowak', email: 'lukasz.nowak@rowerowo.pl', phones: [['mobile', '+48 601 234 567']], company: 4, position: 'Kierownik sprzedaży', language: 'pl' },
  { last: 'Vandenbroucke', phones: [['phone', '+32 56 21 21 21']], remarks: 'Belt alleen op maandag.' },
  { last: 'De Smet' },
  { first: 'Lars', last: 'Øverland', email: 'lars@overland.no', language: 'nb' },
  { first: 'Sören', last: 'Müller', email: 'soeren.mueller@radhaus-mueller.de', phones: [['phone', '+49 241 123 457'], ['fax', '+49 241 123 458']], company: 8, position: 'Geschäftsführer', gender: 'male', language: 'de' },
  { first: 'Françoise', last: 'Lefèvre', email: ['francoise.lefevre@skynet.be', 'f.lefevre@atelier-dubois.be'], company: 2, position: 'Comptable', language: 'fr' },
  { first: 'Pieter-Jan', last: "D'Hondt", phones: [['mobile', '+32 472 00 11 22']], company: 9, position: 'Voorzitter', tags: ['sponsor'] },
  { first: 'Émile', last: 'Lambert', email: 'emile.lambert@proton.me', birthdate: '2001-12-01', language: 'fr' },
  { first: 'Ingrid', last: 'Bergström', email: 'ingrid.bergstrom@nordiccycles.se', company: 3, position: 'Ekonomichef', language: 'sv' },
  { first: 'Björn', last: 'Åkesson', phones: [['mobile', '+46 73 987 65 43']], language: 'sv' },
  { first: 'Zoë', last: 'Claes', email: 'zoe.claes@gmail.com', phones: [['mobile', '+32 495 33 22 11']], tags: ['klant', 'e-bike'], bike: 'Stromer ST3' },
  { first: 'Wouter', last: 'Maes', email: 'wouter@gentsevelowerken.be', phones: [['phone', '+32 9 223 45 69']], company: 1, position: 'Werkplaatsverantwoordelijke' },
  { first: 'Katrien', last: 'Wouters', email: 'katrien.wouters@leuvenlogistics.be', phones: [['phone', '+32 16 20 30 42'], ['fax', '+32 16 20 30 41']], company: 6, position: 'Aankoper' },
  { last: 'Goossens', email: 'goossens@hotmail.com' },
  { first: 'Sofie', last: 'Mertens', phones: [['phone', '+32 3 231 00 12']], company: 5, position: 'Office manager' },
  { first: 'Thomas', last: 'Jacobs', email: 'thomas.jacobs@outlook.com', birthdate: '1969-07-21', address: address('Kerkstraat 2', '8310', 'Assebroek', 'BE'), tags: ['klant'] },
  { first: 'Nathalie', last: 'Willems', email: 'nathalie.willems@antwerpwheels.be', company: 5, position: 'Sales' },
  { first: 'Mohamed', last: 'El Amrani', email: 'mohamed.elamrani@gmail.com', phones: [['mobile', '+32 488 77 66 55']], tags: ['klant'] },
  { first: 'Ayşe', last: 'Yılmaz', email: 'ayse.yilmaz@gmail.com', language: 'tr' },
  { first: 'Nguyễn', last: 'Văn An', phones: [['mobile', '+32 465 44 33 22']] },
  { first: 'Siobhán', last: "O'Sullivan", email: 'siobhan.osullivan@eircom.net', language: 'en' },
  { first: 'José', last: 'García Núñez', email: 'jose.garcia@correo.es', phones: [['phone', '+34 91 123 45 67']], language: 'es' },
  { first: 'Dmitri', last: 'Иванов', email: 'dmitri.ivanov@example.ru' },
  { first: 'Hanne', last: 'Verstraete', phones: [['fax', '+32 50 99 88 77']], remarks: 'Wil enkel per fax gecontacteerd worden (!).' },
  { first: 'Koen', last: 'Desmet', email: 'koen.desmet@cafedezandberg.be', phones: [['phone', '+32 50 61 61 62']], company: 7, position: 'Uitbater' },
  { last: 'Vermeersch', email: 'info@vermeersch-bouw.be', phones: [['phone', '+32 51 30 30 30']] },
  { first: 'Elise', last: 'Martens', email: 'elise.martens@ugent.be', birthdate: '1996-03-03', tags: ['student'] },
  { first: 'Ruben', last: 'Dewulf', phones: [['mobile', '+32 476 21 43 65']], company: 0, position: 'Mecanicien' },
  { first: 'Annelies', last: 'Coppens', email: 'annelies.coppens@gentsevelowerken.be', company: 1, position: 'Boekhouding' },
  { first: 'Jérôme', last: 'Renard', email: 'jerome.renard@voo.be', phones: [['phone', '+32 4 222 33 44']], address: address('Boulevard de la Sauvenière 60', '4000', 'Liège', 'BE'), language: 'fr' },
  { first: 'Mathilde', last: 'Gérard', phones: [['mobile', '+32 479 10 20 30']], language: 'fr' },
  { first: 'Stijn', last: 'Van de Velde', email: 'stijn.vandevelde@kortrijkkoers.be', company: 9, position: 'Secretaris', tags: ['sponsor'] },
  { first: 'Eva', last: 'Lemmens', email: 'eva.lemmens@gmail.com', phones: [['mobile', '+32 497 65 43 21'], ['phone', '+32 11 22 33 44']], birthdate: '1988-11-11', tags: ['klant', 'e-bike'], bike: 'Gazelle Ultimate' },
  { last: 'Huysmans' },
  { first: 'Greet', last: 'Hermans', email: 'greet.hermans@leuvenlogistics.be', company: 6, position: 'Directie' },
  { first: 'Małgorzata', last: 'Wiśniewska', email: 'm.wisniewska@rowerowo.pl', company: 4, position: 'Księgowa', language: 'pl' },
  { first: 'Jürgen', last: 'Schäfer', phones: [['phone', '+49 241 654 321']], company: 8, position: 'Werkstattleiter', language: 'de' },
  { first: 'Liesbeth', last: 'Van Acker', email: 'liesbeth.vanacker@telenet.be', address: address('Dijver 11', '8000', 'Brugge', 'BE'), tags: ['nieuwsbrief'] },
  { first: 'Arne', last: 'Claeys', email: 'arne.claeys@gmail.com', phones: [['mobile', '+32 473 99 88 77']], tags: ['klant'] },
  { first: 'Noor', last: 'Bakker', email: 'noor.bakker@ziggo.nl', phones: [['mobile', '+31 6 12345678']], language: 'nl' },
  { first: 'Timo', last: 'Virtanen', email: 'timo.virtanen@elisa.fi', language: 'fi' },
  { first: 'Inès', last: 'Moreau', phones: [['mobile', '+33 6 12 34 56 78']], language: 'fr' },
  { first: 'Bart', last: 'Verhaeghe', email: 'bart.verhaeghe@fietsenvermeulen.be', phones: [['phone', '+32 50 33 44 57']], company: 0, position: 'Verkoper' },
  { last: 'Dierickx', phones: [['mobile', '+32 468 12 12 12']] },
  { first: 'Ann', last: 'Smets', email: 'ann.smets@scarlet.be', birthdate: '1975-05-25', tags: ['klant'] },
];

const iso = (offsetMinutes: number) => formatTimestamp(SEED_BASE_MS + offsetMinutes * 60_000);

function emptyContact(id: string, lastName: string, at: string): ContactRecord {
  return {
    id, account_id: DEMO_ACCOUNT_ID, first_name: null, last_name: lastName, status: 'active', salutation: null,
    vat_number: null, emails: [], telephones: [], website: null, addresses: [], gender: 'unknown', birthdate: null,
    iban: null, bic: null, national_identification_number: null, language: 'nl', companies: [], remarks: null,
    tags: [], custom_fields: [], marketing_mails_consent: false, added_at: at, updated_at: at,
  };
}

const SEED_FILES_AT = Date.UTC(2025, 8, 4, 9, 0, 0);

/** Deals, projects, meetings and products exist only as file subjects (F2) and for folder names. */
const OTHER_RECORDS: Partial<Record<SubjectType, string[]>> = {
  deal: ['Fietsenvloot Gent 2026', 'Onderhoudscontract Brugge'],
  nextgenProject: ['Nieuwe showroom Antwerpen'],
  project: ['Website 2019 (legacy)'],
  meeting: ['Kick-off showroom'],
  product: ['Stadsfiets Classic', 'Cargo e-bike'],
};

/** Small demo files; `index` points into the contacts/companies above or OTHER_RECORDS. */
const DEMO_FILES: { on: 'contact' | 'company' | SubjectType; index: number; name: string; mime: string; folder: string; text: string }[] = [
  { on: 'contact', index: 0, name: 'Offerte 2025-09.txt', mime: 'text/plain', folder: 'General', text: 'Offerte voor 3 stadsfietsen (demo).\n' },
  { on: 'contact', index: 0, name: 'ID kopie.txt', mime: 'text/plain', folder: 'Administratie', text: 'Geen echte gegevens.\n' },
  { on: 'company', index: 0, name: 'Raamovereenkomst.md', mime: 'text/markdown', folder: 'Contracten', text: '# Raamovereenkomst\n\nDemo.\n' },
  { on: 'deal', index: 0, name: 'Vlootplan.csv', mime: 'text/csv', folder: 'General', text: 'model,aantal\nClassic,12\n' },
  { on: 'product', index: 1, name: 'Cargo e-bike specs.txt', mime: 'text/plain', folder: 'General', text: 'Laadvermogen 100 kg.\n' },
];

export function createDemoState(): TeamleaderState {
  const companies: Record<string, CompanyRecord> = {};
  const companyIds = companySeeds.map((seed, i) => {
    const id = stableUuid(`company:${i}`);
    const at = iso(i * 11);
    companies[id] = {
      id, account_id: DEMO_ACCOUNT_ID, name: seed.name, status: 'active', vat_number: seed.vat ?? null,
      national_identification_number: null,
      emails: seed.email ? [{ type: 'primary', email: seed.email }] : [],
      telephones: [{ type: 'phone', number: seed.phone }, ...(seed.fax ? [{ type: 'fax' as const, number: seed.fax }] : [])],
      website: seed.website ?? null, addresses: [seed.address], iban: null, bic: null, language: 'nl',
      responsible_user_id: i % 2 === 0 ? DEMO_ADMIN_USER_ID : DEMO_REGULAR_USER_ID, remarks: null, tags: [],
      custom_fields: seed.tier ? [{ id: DEMO_CUSTOM_FIELD_IDS.dealerTier, value: seed.tier }] : [],
      marketing_mails_consent: false, added_at: at, updated_at: at,
    };
    return id;
  });

  const contacts: Record<string, ContactRecord> = {};
  contactSeeds.forEach((seed, i) => {
    const id = stableUuid(`contact:${i}`);
    const contact = emptyContact(id, seed.last, iso(200 + i * 37));
    contact.first_name = seed.first ?? null;
    contact.emails = (Array.isArray(seed.email) ? seed.email : seed.email ? [seed.email] : []).map((email) => ({ type: 'primary', email }));
    contact.telephones = (seed.phones ?? []).map(([type, number]) => ({ type, number }));
    if (seed.company !== undefined) {
      contact.companies = [{ company_id: companyIds[seed.company], position: seed.position ?? null, secondary_position: null, division: null, decision_maker: seed.position ? /zaakvoerder|gérante|geschäftsführer|directie|voorzitter/i.test(seed.position) : false }];
    }
    contact.birthdate = seed.birthdate ?? null;
    contact.addresses = seed.address ? [seed.address] : [];
    contact.tags = seed.tags ?? [];
    contact.remarks = seed.remarks ?? null;
    contact.gender = seed.gender ?? 'unknown';
    contact.language = seed.language ?? 'nl';
    if (seed.bike) contact.custom_fields = [{ id: DEMO_CUSTOM_FIELD_IDS.preferredBike, value: seed.bike }];
    if (i % 9 === 0) contact.custom_fields.push({ id: DEMO_CUSTOM_FIELD_IDS.customerSince, value: `20${10 + (i % 15)}-03-01` });
    contact.marketing_mails_consent = (seed.tags ?? []).includes('nieuwsbrief');
    contacts[id] = contact;
  });

  const customFieldDefinitions: CustomFieldDefinition[] = [
    { id: DEMO_CUSTOM_FIELD_IDS.preferredBike, account_id: DEMO_ACCOUNT_ID, context: 'contact', type: 'single_line', label: 'Favoriete fiets', group: null, required: false, configuration: null },
    { id: DEMO_CUSTOM_FIELD_IDS.customerSince, account_id: DEMO_ACCOUNT_ID, context: 'contact', type: 'date', label: 'Klant sinds', group: null, required: false, configuration: null },
    {
      id: DEMO_CUSTOM_FIELD_IDS.dealerTier, account_id: DEMO_ACCOUNT_ID, context: 'company', type: 'single_select', label: 'Dealer tier', group: null, required: false,
      configuration: { options: ['Gold', 'Silver', 'Bronze'].map((value) => ({ id: stableUuid(`cfd:dealer-tier:${value}`), value })), extra_option_allowed: false },
    },
  ];

  const at = formatTimestamp(SEED_FILES_AT);
  const otherRecords: Record<string, OtherRecord> = {};
  for (const [type, names] of Object.entries(OTHER_RECORDS) as [SubjectType, string[]][]) {
    names.forEach((name, i) => {
      const id = stableUuid(`${type}:${i}`);
      otherRecords[id] = { id, account_id: DEMO_ACCOUNT_ID, type, name, added_at: at, updated_at: at };
    });
  }
  const contactIds = Object.keys(contacts);
  const files: Record<string, FileRecord> = {};
  DEMO_FILES.forEach((f, i) => {
    const id = stableUuid(`file:${i}`);
    const subjectId = f.on === 'contact' ? contactIds[f.index] : f.on === 'company' ? Object.keys(companies)[f.index] : stableUuid(`${f.on}:${f.index}`);
    const bytes = Buffer.from(f.text, 'utf8');
    files[id] = {
      id,
      account_id: DEMO_ACCOUNT_ID,
      subject: { type: f.on, id: subjectId },
      name: f.name,
      mime_type: f.mime,
      size: bytes.length,
      folder: f.folder,
      uploaded_by: DEMO_ADMIN_USER_ID,
      updated_at: formatTimestamp(SEED_FILES_AT + i * 600_000),
      base64: bytes.toString('base64'),
    };
  });

  return {
    version: 1,
    config: defaultConfig(),
    accounts: [account],
    users: users.map((u) => ({ ...u, telephones: [...u.telephones] })),
    contacts,
    companies,
    customFieldDefinitions,
    otherRecords,
    files,
    fileTransfers: {},
    webhooks: [],
    installations: [],
    authorizationCodes: [],
    accessTokens: {},
    refreshTokens: {},
    generatedContacts: {},
  };
}

const GENERATED_FIRST = ['Lotte', 'Jan', 'Åsa', 'Chloé', 'Joëlle', 'Łukasz', 'Pieter', 'Marie', 'Sören', 'Zoë', 'Émile', 'Noor', 'Arne', 'Inès', 'Björn', 'Małgorzata', 'Tom', 'Hanne', 'Luca', 'Fatima'];
const GENERATED_LAST = ['Peeters', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens', 'Wouters', 'De Smet', 'Lindström', 'Dubois', 'Van Damme', 'Nowak', 'Müller', 'Lefèvre', 'Dupont', 'Vermeulen', 'Lambert', 'Öberg', 'Dierickx', 'Hermans'];

/** Row n of generate-contacts: deterministic for a given account and n, varied enough for sync tests. */
export function generatedContact(accountId: string, n: number, at: string, companyIds: string[]): ContactRecord {
  const first = GENERATED_FIRST[n % GENERATED_FIRST.length];
  const last = `${GENERATED_LAST[Math.floor(n / GENERATED_FIRST.length) % GENERATED_LAST.length]} ${n}`;
  const contact = emptyContact(stableUuid(`generated:${accountId}:${n}`), last, at);
  contact.account_id = accountId;
  contact.first_name = n % 13 === 0 ? null : first;
  if (n % 7 !== 0) {
    const local = `${first}.${last}`.normalize('NFD').replace(/[^\w. ]/g, '').replace(/\s+/g, '').toLowerCase();
    contact.emails = [{ type: 'primary', email: `${local}@generated.example` }];
  }
  if (n % 5 !== 0) contact.telephones = [{ type: n % 2 ? 'mobile' : 'phone', number: `+32 4${String(70_000_000 + n).padStart(8, '0')}` }];
  if (n % 3 === 0 && companyIds.length) {
    contact.companies = [{ company_id: companyIds[n % companyIds.length], position: 'Medewerker', secondary_position: null, division: null, decision_maker: false }];
  }
  if (n % 4 === 0) contact.tags = ['generated'];
  return contact;
}
