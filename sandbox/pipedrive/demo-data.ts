/**
 * Deterministic demo data: Northwind Traders with three users and a varied, slightly messy contact
 * list (missing names, phones, e-mails; non-ASCII names; several labelled values; org links).
 */
import type { Address, DealRecord, FileRecord, LabeledValue, OrganizationRecord, PersonRecord, PipedriveState, ProductRecord, User } from './types';

export const NORTHWIND_COMPANY_ID = 7401001;
export const NORTHWIND_DOMAIN = 'northwind';
/** Key of Northwind's custom organization field "Phone" (custom keys are 40-char hex hashes). */
export const ORG_PHONE_FIELD_KEY = '5f1c3e0a9b7d42c68e0f1a2b3c4d5e6f70819a2b';

export const DEMO_USERS = { admin: 13001, regular: 13002, noAdd: 13003 } as const;

const SEED_TIME = Date.UTC(2025, 8, 1, 8, 0, 0); // 2025-09-01T08:00:00Z

function address(value: string, parts: Partial<Address> = {}): Address {
  return {
    value,
    country: null,
    admin_area_level_1: null,
    admin_area_level_2: null,
    locality: null,
    sublocality: null,
    route: null,
    street_number: null,
    subpremise: null,
    postal_code: null,
    ...parts,
  };
}

const v = (value: string, label = 'work', primary = false): LabeledValue => ({ value, label, primary });

type OrgSeed = { name: string; address: Address; phone: string | null; website: string | null; owner: number };

const ORGS: OrgSeed[] = [
  { name: 'Contoso Ltd', address: address('1 Market Street, London EC1A 1AA, United Kingdom', { country: 'United Kingdom', locality: 'London', route: 'Market Street', street_number: '1', postal_code: 'EC1A 1AA' }), phone: '+44 20 7946 0000', website: 'https://contoso.example', owner: DEMO_USERS.admin },
  { name: 'Fabrikam GmbH', address: address('Friedrichstraße 43, 10117 Berlin, Germany', { country: 'Germany', locality: 'Berlin', route: 'Friedrichstraße', street_number: '43', postal_code: '10117' }), phone: '+49 30 901820', website: 'https://fabrikam.example', owner: DEMO_USERS.admin },
  { name: 'Åkesson & Söner AB', address: address('Drottninggatan 12, 111 51 Stockholm, Sweden', { country: 'Sweden', locality: 'Stockholm', route: 'Drottninggatan', street_number: '12', postal_code: '111 51' }), phone: '+46 8 123 456 00', website: null, owner: DEMO_USERS.regular },
  { name: 'Brugge Bikes BV', address: address('Markt 7, 8000 Brugge, Belgium', { country: 'Belgium', locality: 'Brugge', route: 'Markt', street_number: '7', postal_code: '8000' }), phone: '+32 50 44 86 86', website: 'https://bruggebikes.example', owner: DEMO_USERS.regular },
  { name: 'Żółć Logistics Sp. z o.o.', address: address('ul. Marszałkowska 100, 00-026 Warszawa, Poland', { country: 'Poland', locality: 'Warszawa', route: 'ul. Marszałkowska', street_number: '100', postal_code: '00-026' }), phone: '+48 22 555 01 23', website: null, owner: DEMO_USERS.admin },
  { name: 'Núñez Importaciones SL', address: address('Calle de Alcalá 50, 28014 Madrid, Spain', { country: 'Spain', locality: 'Madrid', route: 'Calle de Alcalá', street_number: '50', postal_code: '28014' }), phone: '+34 91 123 45 67', website: 'https://nunez.example', owner: DEMO_USERS.regular },
  { name: 'Tailspin Toys', address: address('500 Oak Ave, Seattle, WA 98101, USA', { country: 'United States', admin_area_level_1: 'Washington', locality: 'Seattle', route: 'Oak Ave', street_number: '500', postal_code: '98101' }), phone: null, website: 'https://tailspin.example', owner: DEMO_USERS.admin },
  { name: 'Northwind Partners', address: address('Keizersgracht 1, 1015 CJ Amsterdam, Netherlands', { country: 'Netherlands', locality: 'Amsterdam', route: 'Keizersgracht', street_number: '1', postal_code: '1015 CJ' }), phone: '+31 20 555 0100', website: null, owner: DEMO_USERS.noAdd },
  { name: 'Kierkegård Consulting ApS', address: address('Nyhavn 17, 1051 København, Denmark', { country: 'Denmark', locality: 'København', route: 'Nyhavn', street_number: '17', postal_code: '1051' }), phone: '+45 33 12 34 56', website: null, owner: DEMO_USERS.admin },
  { name: '北京贸易有限公司', address: address('朝阳区建国路 88 号, 北京 100022, China', { country: 'China', locality: '北京', postal_code: '100022' }), phone: '+86 10 6500 0000', website: null, owner: DEMO_USERS.regular },
];

type PersonSeed = {
  name?: string;
  first?: string | null;
  last?: string | null;
  emails?: LabeledValue[];
  phones?: LabeledValue[];
  org?: number | null; // index into ORGS
  owner?: number;
  jobTitle?: string;
  visibleTo?: number;
};

const A = DEMO_USERS.admin;
const R = DEMO_USERS.regular;
const N = DEMO_USERS.noAdd;

const PERSONS: PersonSeed[] = [
  { first: 'Zoë', last: 'Åkesson', emails: [v('zoe.akesson@akesson.example', 'work', true), v('zoe@home.example', 'home')], phones: [v('+46 70 123 45 67', 'mobile', true)], org: 2, owner: R, jobTitle: 'CEO' },
  { first: 'Łukasz', last: 'Żółć', emails: [v('lukasz@zolc.example', 'work', true)], phones: [v('+48 601 234 567', 'mobile', true), v('+48 22 555 01 24', 'work')], org: 4, owner: A },
  { first: 'Søren', last: 'Kierkegård', emails: [v('soren@kierkegard.example', 'work', true)], phones: [], org: 8, owner: A, jobTitle: 'Partner' },
  { first: 'José', last: 'Núñez', emails: [v('jose.nunez@nunez.example', 'work', true), v('jnunez@gmail.example', 'other')], phones: [v('+34 612 345 678', 'mobile', true)], org: 5, owner: R },
  { first: 'Иван', last: 'Петров', emails: [v('ivan.petrov@example.ru', 'work', true)], phones: [v('+7 495 123-45-67', 'work', true)], org: null, owner: A },
  { name: '李雷', first: '雷', last: '李', emails: [v('li.lei@beijing-trade.example', 'work', true)], phones: [v('+86 138 0013 8000', 'mobile', true)], org: 9, owner: R },
  { first: 'Ada', last: 'Lovelace', emails: [v('ada@contoso.example', 'work', true)], phones: [v('+44 7700 900001', 'mobile', true), v('+44 20 7946 0001', 'work'), v('+44 20 7946 0999', 'home')], org: 0, owner: A, jobTitle: 'Head of Analytics' },
  { first: 'Grace', last: 'Hopper', emails: [v('grace@tailspin.example', 'work', true), v('grace.hopper@navy.example', 'other')], phones: [v('+1 206 555 0142', 'work', true)], org: 6, owner: A },
  { name: 'Madonna', first: 'Madonna', last: null, emails: [v('madonna@music.example', 'work', true)], phones: [], org: null, owner: A },
  { name: 'Cher', first: null, last: 'Cher', emails: [], phones: [v('+1 310 555 0101', 'mobile', true)], org: null, owner: R },
  { first: 'Hans', last: 'Müller', emails: [v('hans.mueller@fabrikam.example', 'work', true)], phones: [v('+49 151 23456789', 'mobile', true)], org: 1, owner: A },
  { first: 'Grete', last: 'Weiß', emails: [v('grete.weiss@fabrikam.example', 'work', true)], phones: [], org: 1, owner: R },
  { first: 'Pieter', last: 'De Smet', emails: [v('pieter@bruggebikes.example', 'work', true)], phones: [v('+32 475 12 34 56', 'mobile', true)], org: 3, owner: R, jobTitle: 'Fleet manager' },
  { first: 'Anneleen', last: 'Vermeulen', emails: [v('anneleen@bruggebikes.example', 'work', true)], phones: [v('+32 50 44 86 87', 'work', true)], org: 3, owner: R },
  { first: 'Mette', last: 'Frederiksen', emails: [], phones: [v('+45 20 12 34 56', 'mobile', true)], org: 8, owner: A },
  { first: 'Olaf', last: 'Ødegård', emails: [v('olaf@odegard.example', 'home', true)], phones: [], org: null, owner: R },
  { first: 'Chloé', last: 'Dubois', emails: [v('chloe.dubois@example.fr', 'work', true)], phones: [v('+33 6 12 34 56 78', 'mobile', true)], org: null, owner: A },
  { first: 'François', last: 'Lefèvre', emails: [v('f.lefevre@example.fr', 'work', true)], phones: [v('+33 1 42 68 53 00', 'work', true)], org: null, owner: R },
  { first: 'Ingrid', last: 'Bergström', emails: [v('ingrid@akesson.example', 'work', true)], phones: [v('+46 8 123 456 01', 'work', true)], org: 2, owner: R },
  { first: 'Małgorzata', last: 'Wiśniewska', emails: [v('m.wisniewska@zolc.example', 'work', true)], phones: [], org: 4, owner: A },
  { first: 'Carlos', last: 'García', emails: [v('carlos@nunez.example', 'work', true)], phones: [v('+34 699 111 222', 'mobile', true)], org: 5, owner: R },
  { first: 'Lucía', last: 'Fernández', emails: [v('lucia@nunez.example', 'work', true), v('lucia.f@correo.example', 'home')], phones: [v('+34 699 333 444', 'mobile', true)], org: 5, owner: R },
  { first: 'Dmitri', last: 'Sokolov', emails: [], phones: [], org: null, owner: A },
  { name: 'Wang Fang', first: 'Fang', last: 'Wang', emails: [v('wang.fang@beijing-trade.example', 'work', true)], phones: [], org: 9, owner: R },
  { first: 'Kenji', last: 'Yamamoto', emails: [v('kenji@yamamoto.example', 'work', true)], phones: [v('+81 3-1234-5678', 'work', true)], org: null, owner: A },
  { first: 'Priya', last: 'Sharma', emails: [v('priya@contoso.example', 'work', true)], phones: [v('+44 7700 900002', 'mobile', true)], org: 0, owner: R },
  { first: 'Aisha', last: 'Bello', emails: [v('aisha.bello@example.ng', 'work', true)], phones: [v('+234 803 123 4567', 'mobile', true)], org: null, owner: A },
  { first: 'Tomás', last: "O'Brien", emails: [v('tomas.obrien@example.ie', 'work', true)], phones: [v('+353 87 123 4567', 'mobile', true)], org: null, owner: R },
  { first: 'Emma', last: 'de Vries', emails: [v('emma@northwind-partners.example', 'work', true)], phones: [v('+31 6 12345678', 'mobile', true)], org: 7, owner: N },
  { first: 'Jan', last: 'Jansen', emails: [v('jan@northwind-partners.example', 'work', true)], phones: [], org: 7, owner: N },
  { first: 'Noah', last: 'Peeters', emails: [v('noah.peeters@example.be', 'other', true)], phones: [v('+32 486 00 11 22', 'home', true)], org: null, owner: R },
  { first: 'Sofía', last: 'Martín', emails: [v('sofia.martin@example.es', 'work', true)], phones: [], org: null, owner: A, visibleTo: 1 },
  { first: 'Liam', last: 'Murphy', emails: [], phones: [v('+353 1 555 0199', 'work', true)], org: null, owner: A },
  { first: 'Fatima', last: 'Zahra', emails: [v('fatima.zahra@example.ma', 'work', true)], phones: [v('+212 6 12 34 56 78', 'mobile', true)], org: null, owner: R },
  { first: 'Björn', last: 'Ulvaeus', emails: [v('bjorn@akesson.example', 'work', true)], phones: [v('+46 70 765 43 21', 'mobile', true)], org: 2, owner: R },
  { first: 'Elena', last: 'Popescu', emails: [v('elena.popescu@example.ro', 'work', true)], phones: [], org: null, owner: A },
  { first: 'Mateo', last: 'Rossi', emails: [v('mateo.rossi@example.it', 'work', true), v('mateo@rossi-family.example', 'home'), v('m.rossi@old.example', 'other')], phones: [v('+39 333 123 4567', 'mobile', true), v('+39 06 1234 5678', 'work')], org: null, owner: A },
  { first: 'Nora', last: 'Lindqvist', emails: [v('nora@lindqvist.example', 'work', true)], phones: [], org: null, owner: R, visibleTo: 1 },
  { first: 'Oscar', last: 'Wilde', emails: [v('oscar@tailspin.example', 'work', true)], phones: [v('+1 206 555 0177', 'work', true)], org: 6, owner: A, jobTitle: 'Creative director' },
  { first: 'Hannah', last: 'Schmidt', emails: [v('hannah.schmidt@fabrikam.example', 'work', true)], phones: [v('+49 30 901821', 'work', true)], org: 1, owner: A },
  { first: 'Yusuf', last: 'Demir', emails: [v('yusuf.demir@example.tr', 'work', true)], phones: [v('+90 532 123 45 67', 'mobile', true)], org: null, owner: R },
  { first: 'Chiara', last: 'Bianchi', emails: [v('chiara@bianchi.example', 'work', true)], phones: [], org: null, owner: R },
  { first: 'Ahmed', last: 'Hassan', emails: [], phones: [v('+20 10 1234 5678', 'mobile', true)], org: null, owner: A },
  { first: 'Sarah', last: 'Connor', emails: [v('sarah.connor@tailspin.example', 'work', true)], phones: [v('+1 206 555 0199', 'mobile', true)], org: 6, owner: R },
  { first: 'Jürgen', last: 'Groß', emails: [v('juergen.gross@fabrikam.example', 'work', true)], phones: [v('+49 170 1234567', 'mobile', true)], org: 1, owner: R },
  { first: 'Agnieszka', last: 'Nowak', emails: [v('agnieszka.nowak@zolc.example', 'work', true)], phones: [v('+48 22 555 01 25', 'work', true)], org: 4, owner: A },
  { first: 'Kwame', last: 'Mensah', emails: [v('kwame@mensah.example', 'work', true)], phones: [], org: null, owner: A },
  { first: 'Isabelle', last: 'Moreau', emails: [v('isabelle.moreau@example.fr', 'home', true)], phones: [v('+33 6 98 76 54 32', 'mobile', true)], org: null, owner: N },
  { name: 'Reception desk', first: null, last: null, emails: [v('reception@contoso.example', 'work', true)], phones: [v('+44 20 7946 0002', 'work', true)], org: 0, owner: A },
  { first: 'Marta', last: 'Kowalczyk', emails: [v('marta@kowalczyk.example', 'work', true)], phones: [v('+48 512 345 678', 'mobile', true)], org: null, owner: R },
];

const DEALS: { title: string; person: number; org: number | null; owner: number; value: number; currency: string; status: DealRecord['status']; stage: number }[] = [
  { title: 'Contoso analytics rollout', person: 6, org: 0, owner: A, value: 48000, currency: 'GBP', status: 'open', stage: 3 },
  { title: 'Fabrikam fleet renewal', person: 10, org: 1, owner: A, value: 125000, currency: 'EUR', status: 'open', stage: 2 },
  { title: 'Brugge Bikes e-bike leasing', person: 12, org: 3, owner: R, value: 36000, currency: 'EUR', status: 'won', stage: 5 },
  { title: 'Åkesson warehouse expansion', person: 0, org: 2, owner: R, value: 220000, currency: 'SEK', status: 'open', stage: 1 },
  { title: 'Núñez import contract', person: 3, org: 5, owner: R, value: 18500, currency: 'EUR', status: 'lost', stage: 4 },
  { title: 'Tailspin holiday campaign', person: 7, org: 6, owner: A, value: 9900, currency: 'USD', status: 'open', stage: 2 },
];

const PRODUCTS: { name: string; code: string; unit: string }[] = [
  { name: 'E-bike lease (12 months)', code: 'EB-12', unit: 'contract' },
  { name: 'Warehouse racking kit', code: 'WR-01', unit: 'kit' },
  { name: 'Analytics seat', code: 'AN-SEAT', unit: 'seat' },
];

/** Small demo files (F4: something to sync on the first run). Keys index PERSONS/ORGS/DEALS/PRODUCTS. */
const FILES: { on: 'person' | 'org' | 'deal' | 'product'; index: number; name: string; type: string; text: string }[] = [
  { on: 'person', index: 0, name: 'Meeting notes 2025-09.txt', type: 'text/plain', text: 'Zoë wants a quote for the Stockholm warehouse before October.\n' },
  { on: 'person', index: 0, name: 'Business card.txt', type: 'text/plain', text: 'Zoë Åkesson, CEO, Åkesson & Söner AB\n' },
  { on: 'person', index: 6, name: 'Analytics brief.md', type: 'text/markdown', text: '# Analytics brief\n\n- dashboards for sales\n- weekly exports\n' },
  { on: 'org', index: 0, name: 'Contoso NDA.txt', type: 'text/plain', text: 'Mutual NDA between Contoso Ltd and Northwind Traders (demo).\n' },
  { on: 'deal', index: 0, name: 'Proposal v1.csv', type: 'text/csv', text: 'item,qty,price\nAnalytics seat,20,200\n' },
  { on: 'product', index: 2, name: 'Analytics seat datasheet.txt', type: 'text/plain', text: 'One analytics seat: dashboards, exports, API access.\n' },
];

export function createDemoState(settings: PipedriveState['settings']): PipedriveState {
  const users: User[] = [
    { id: DEMO_USERS.admin, name: 'Olivia Admin', email: 'olivia.admin@northwind.example', isAdmin: true, canAddPersons: true, canAddOrganizations: true, locale: 'en_US', lang: 1 },
    { id: DEMO_USERS.regular, name: 'Rahul Regular', email: 'rahul.regular@northwind.example', isAdmin: false, canAddPersons: true, canAddOrganizations: true, locale: 'nl_BE', lang: 1 },
    { id: DEMO_USERS.noAdd, name: 'Nina Noadd', email: 'nina.noadd@northwind.example', isAdmin: false, canAddPersons: false, canAddOrganizations: false, locale: 'sv_SE', lang: 1 },
  ].map((u) => ({ ...u, companyId: NORTHWIND_COMPANY_ID, timezoneName: 'Europe/Brussels', timezoneOffset: '+01:00', activeFlag: true, createdAt: SEED_TIME - 86_400_000 * 400 }));

  const organizations: OrganizationRecord[] = ORGS.map((o, i) => ({
    id: i + 1,
    companyId: NORTHWIND_COMPANY_ID,
    name: o.name,
    owner_id: o.owner,
    add_time: SEED_TIME + i * 3_600_000,
    update_time: SEED_TIME + i * 3_600_000,
    is_deleted: false,
    visible_to: 3,
    label_ids: [],
    address: o.address,
    website: o.website,
    linkedin: null,
    industry: null,
    annual_revenue: null,
    employee_count: null,
    // Pipedrive organizations have no standard phone field; companies add a custom one.
    custom_fields: { [ORG_PHONE_FIELD_KEY]: o.phone },
  }));

  const persons: PersonRecord[] = PERSONS.map((p, i) => {
    const first = p.first === undefined ? null : p.first;
    const last = p.last === undefined ? null : p.last;
    const time = SEED_TIME + 86_400_000 + i * 1_800_000;
    return {
      id: i + 1,
      companyId: NORTHWIND_COMPANY_ID,
      name: p.name ?? [first, last].filter(Boolean).join(' '),
      first_name: first,
      last_name: last,
      owner_id: p.owner ?? A,
      org_id: p.org === null || p.org === undefined ? null : p.org + 1,
      add_time: time,
      update_time: time,
      is_deleted: false,
      visible_to: p.visibleTo ?? 3,
      label_ids: [],
      picture_id: null,
      emails: p.emails ?? [],
      phones: p.phones ?? [],
      im: [],
      postal_address: null,
      notes: null,
      birthday: null,
      job_title: p.jobTitle ?? null,
      custom_fields: {},
    };
  });

  const deals: DealRecord[] = DEALS.map((d, i) => ({
    id: i + 1,
    companyId: NORTHWIND_COMPANY_ID,
    title: d.title,
    owner_id: d.owner,
    person_id: d.person + 1,
    org_id: d.org === null ? null : d.org + 1,
    pipeline_id: 1,
    stage_id: d.stage,
    value: d.value,
    currency: d.currency,
    status: d.status,
    add_time: SEED_TIME + 3 * 86_400_000 + i * 3_600_000,
    update_time: SEED_TIME + 3 * 86_400_000 + i * 3_600_000,
    is_deleted: false,
    visible_to: 3,
    expected_close_date: null,
    probability: null,
  }));

  const products: ProductRecord[] = PRODUCTS.map((p, i) => ({
    id: i + 1,
    companyId: NORTHWIND_COMPANY_ID,
    name: p.name,
    code: p.code,
    unit: p.unit,
    owner_id: A,
    add_time: SEED_TIME + 2 * 86_400_000 + i * 3_600_000,
    update_time: SEED_TIME + 2 * 86_400_000 + i * 3_600_000,
    is_deleted: false,
    visible_to: 3,
  }));

  const files: FileRecord[] = FILES.map((f, i) => {
    const bytes = Buffer.from(f.text, 'utf8');
    const time = SEED_TIME + 4 * 86_400_000 + i * 600_000;
    return {
      id: i + 1,
      companyId: NORTHWIND_COMPANY_ID,
      userId: A,
      person_id: f.on === 'person' ? f.index + 1 : null,
      org_id: f.on === 'org' ? f.index + 1 : null,
      deal_id: f.on === 'deal' ? f.index + 1 : null,
      product_id: f.on === 'product' ? f.index + 1 : null,
      file_name: f.name,
      name: f.name,
      description: null,
      contentType: f.type,
      file_size: bytes.length,
      active_flag: true,
      add_time: time,
      update_time: time,
      base64: bytes.toString('base64'),
    };
  });

  return {
    version: 1,
    settings: { ...settings },
    nextIds: { person: 1001, organization: 101, deal: 101, field: 12001, webhook: 1, picture: 1, product: 101, file: 1001 },
    companies: [
      {
        id: NORTHWIND_COMPANY_ID,
        name: 'Northwind Traders',
        domain: NORTHWIND_DOMAIN,
        country: 'BE',
        industry: 'Wholesale',
        plan: 'growth',
        contactSyncFields: false,
        customFieldLimit: null,
        defaultCurrency: 'EUR',
        productsEnabled: true,
      },
    ],
    users,
    persons,
    organizations,
    deals,
    products,
    files,
    customPersonFields: [],
    pictures: [],
    installations: [],
    authCodes: [],
    accessTokens: [],
    refreshTokens: [],
    webhooks: [],
  };
}

const GENERATED_FIRST = ['Anna', 'Bram', 'Clara', 'Daan', 'Eva', 'Finn', 'Greta', 'Hugo', 'Iris', 'Jonas', 'Klara', 'Lars', 'Mila', 'Nils', 'Olga', 'Pavel', 'Quinn', 'Rosa', 'Sven', 'Tess', 'Ugo', 'Vera', 'Wim', 'Xena', 'Yara', 'Zeno', 'Åsa', 'Émile', 'Jürgen', 'Łucja'];
const GENERATED_LAST = ['Andersson', 'Bakker', 'Claes', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hansen', 'Ivanova', 'Janssens', 'Kowalski', 'Lambert', 'Meyer', 'Nowak', 'Olsen', 'Peeters', 'Quist', 'Rossi', 'Svensson', 'Thomas', 'Urban', 'Visser', 'Wouters', 'Xu', 'Young', 'Zimmermann', 'Ødegaard', 'Núñez'];

/** The n-th generated person (pure, deterministic); the caller assigns id, company and times. */
export function generatedPersonFields(n: number): Pick<PersonRecord, 'name' | 'first_name' | 'last_name' | 'emails' | 'phones'> {
  const first = GENERATED_FIRST[n % GENERATED_FIRST.length];
  const last = GENERATED_LAST[Math.floor(n / GENERATED_FIRST.length) % GENERATED_LAST.length];
  const slug = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
  const emails = n % 11 === 0 ? [] : [{ value: `${slug}.${n}@generated.example`, primary: true, label: 'work' }];
  const phones = n % 3 === 0 ? [] : [{ value: `+32 470 ${String(n).padStart(6, '0')}`, primary: true, label: n % 2 ? 'mobile' : 'work' }];
  return { name: `${first} ${last} ${n}`, first_name: first, last_name: `${last} ${n}`, emails, phones };
}
