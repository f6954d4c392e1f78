/**
 * Deterministic demo data: three personal Microsoft accounts, each with the default "Contacts" folder
 * plus "Clients" and "Family", varied contacts (some with photos, some at the multi-value limits),
 * and a fast bulk generator for load tests.
 */
import { createHash } from 'node:crypto';
import { deflateSync, crc32 } from 'node:zlib';
import type { ContactInput, ContactStore } from './contact-store';
import type { MicrosoftAccount } from './microsoft-state';

export const DEMO_ACCOUNTS: MicrosoftAccount[] = [
  { id: '00000000-0000-0000-4a1c-0a1b2c3d4e01', email: 'olivia.northwind@outlook.com', displayName: 'Olivia Northwind', givenName: 'Olivia', surname: 'Northwind' },
  { id: '00000000-0000-0000-4a1c-0a1b2c3d4e02', email: 'lotte.bruggebikes@outlook.com', displayName: 'Lotte Peeters', givenName: 'Lotte', surname: 'Peeters' },
  { id: '00000000-0000-0000-4a1c-0a1b2c3d4e03', email: 'sam.empty@outlook.com', displayName: 'Sam Empty', givenName: 'Sam', surname: 'Empty' },
];

type DemoContact = ContactInput & { folder: 'Contacts' | 'Clients' | 'Family'; photoColor?: [number, number, number] };

const OLIVIA_CONTACTS: DemoContact[] = [
  { folder: 'Contacts', givenName: 'Nancy', surname: 'Davolio', emailAddresses: [{ name: 'Nancy Davolio', address: 'nancy.davolio@northwindtraders.com' }], businessPhones: ['+1 206 555 0101'], companyName: 'Northwind Traders', jobTitle: 'Sales Representative', birthday: '1968-12-08T11:59:00Z', photoColor: [230, 120, 80] },
  { folder: 'Contacts', givenName: 'Andrew', surname: 'Fuller', emailAddresses: [{ name: 'Andrew Fuller', address: 'andrew.fuller@northwindtraders.com' }, { name: 'Andrew (home)', address: 'afuller@outlook.com' }], businessPhones: ['+1 206 555 0102'], mobilePhone: '+1 206 555 0199', companyName: 'Northwind Traders', jobTitle: 'Vice President, Sales', department: 'Sales' },
  { folder: 'Contacts', givenName: 'Janet', surname: 'Leverling', emailAddresses: [{ name: 'Janet Leverling', address: 'janet@contoso.com' }], homePhones: ['+1 206 555 0103'], personalNotes: 'Met at the Seattle trade fair.\nPrefers email.' },
  { folder: 'Contacts', givenName: 'Margaret', middleName: 'A.', surname: 'Peacock', emailAddresses: [{ name: 'Margaret Peacock', address: 'margaret.peacock@fabrikam.com' }], businessAddress: { street: '4110 Old Redmond Rd.', city: 'Redmond', state: 'WA', countryOrRegion: 'United States', postalCode: '98052' }, companyName: 'Fabrikam' },
  { folder: 'Contacts', givenName: 'Steven', surname: 'Buchanan', emailAddresses: [{ name: 'Steven Buchanan', address: 'steven@buchanan.co.uk' }, { name: 'Steven (work)', address: 's.buchanan@tailspin.co.uk' }, { name: 'Steven (old)', address: 'sbuchanan@hotmail.co.uk' }], businessPhones: ['+44 20 7946 0018', '+44 20 7946 0019'], homePhones: ['+44 20 7946 0020', '+44 20 7946 0021'], imAddresses: ['sip:steven@tailspin.co.uk', 'skype:steven.b', 'steven.buchanan'], companyName: 'Tailspin Toys', jobTitle: 'Sales Manager', photoColor: [60, 140, 220] },
  { folder: 'Contacts', givenName: 'Michael', surname: 'Suyama', emailAddresses: [], mobilePhone: '+44 7700 900123', categories: ['Blue category'] },
  { folder: 'Contacts', givenName: 'Renée', surname: 'Lefèvre', emailAddresses: [{ name: 'Renée Lefèvre', address: 'renee.lefevre@exemple.fr' }], homeAddress: { street: '12 rue de la Paix', city: 'Paris', postalCode: '75002', countryOrRegion: 'France' }, birthday: '1990-02-28T00:00:00Z' },
  { folder: 'Contacts', displayName: 'Contoso Reception', companyName: 'Contoso Ltd.', businessPhones: ['+1 425 555 0100'], emailAddresses: [{ name: 'Contoso Reception', address: 'reception@contoso.com' }] },
  { folder: 'Clients', givenName: 'Laura', surname: 'Callahan', emailAddresses: [{ name: 'Laura Callahan', address: 'laura@adventure-works.com' }], companyName: 'Adventure Works', jobTitle: 'Inside Sales Coordinator', businessPhones: ['+1 206 555 0104'], photoColor: [120, 200, 90] },
  { folder: 'Clients', givenName: 'Anne', surname: 'Dodsworth', emailAddresses: [{ name: 'Anne Dodsworth', address: 'anne.dodsworth@woodgrovebank.com' }], companyName: 'Woodgrove Bank', jobTitle: 'CFO', department: 'Finance', personalNotes: 'Quarterly review in March.' },
  { folder: 'Clients', givenName: 'Robert', surname: 'King', emailAddresses: [{ name: 'Robert King', address: 'robert.king@litware.com' }], companyName: 'Litware, Inc.', jobTitle: 'Buyer', mobilePhone: '+1 425 555 0177' },
  { folder: 'Clients', givenName: 'Yoshi', surname: 'Tannamuri', emailAddresses: [{ name: 'Yoshi Tannamuri', address: 'yoshi@wingtiptoys.jp' }], companyName: 'Wingtip Toys', businessAddress: { street: '1-2-3 Shibuya', city: 'Tokyo', countryOrRegion: 'Japan', postalCode: '150-0002' } },
  { folder: 'Family', givenName: 'Emma', surname: 'Northwind', emailAddresses: [{ name: 'Emma Northwind', address: 'emma.northwind@outlook.com' }], mobilePhone: '+1 206 555 0150', birthday: '2012-06-15T11:59:00Z', photoColor: [250, 200, 60] },
  { folder: 'Family', givenName: 'George', surname: 'Northwind', emailAddresses: [{ name: 'George Northwind', address: 'george.nw@outlook.com' }], homePhones: ['+1 206 555 0151'] },
];

const LOTTE_CONTACTS: DemoContact[] = [
  { folder: 'Contacts', givenName: 'Pieter', surname: 'Janssens', emailAddresses: [{ name: 'Pieter Janssens', address: 'pieter@fietsenjanssens.be' }], businessPhones: ['+32 50 12 34 56'], companyName: 'Fietsen Janssens', jobTitle: 'Zaakvoerder', businessAddress: { street: 'Steenstraat 10', city: 'Brugge', postalCode: '8000', countryOrRegion: 'België' }, photoColor: [200, 60, 60] },
  { folder: 'Contacts', givenName: 'Sofie', surname: 'Maes', emailAddresses: [{ name: 'Sofie Maes', address: 'sofie.maes@telenet.be' }], mobilePhone: '+32 470 12 34 56' },
  { folder: 'Contacts', givenName: 'Thomas', surname: 'Vermeulen', emailAddresses: [{ name: 'Thomas Vermeulen', address: 'thomas@vermeulen-logistics.be' }, { name: 'Thomas', address: 'tvermeulen@gmail.com' }], companyName: 'Vermeulen Logistics', jobTitle: 'Planner' },
  { folder: 'Contacts', givenName: 'Élodie', surname: 'Dubois', emailAddresses: [{ name: 'Élodie Dubois', address: 'elodie.dubois@velo-liege.be' }], companyName: 'Vélo Liège', personalNotes: 'Spreekt Frans.' },
  { folder: 'Contacts', givenName: 'Jan', surname: 'De Smet', emailAddresses: [{ name: 'Jan De Smet', address: 'jan.desmet@skynet.be' }], birthday: '1975-11-02T11:59:00Z', homeAddress: { street: 'Langestraat 44', city: 'Brugge', postalCode: '8000', countryOrRegion: 'België' } },
  { folder: 'Clients', givenName: 'Hanne', surname: 'Claes', emailAddresses: [{ name: 'Hanne Claes', address: 'hanne@claes-sport.be' }], companyName: 'Claes Sport', jobTitle: 'Aankoper', businessPhones: ['+32 9 123 45 67'], photoColor: [90, 90, 200] },
  { folder: 'Clients', givenName: 'Wout', surname: 'Peeters', emailAddresses: [{ name: 'Wout Peeters', address: 'wout@bikerent.be' }], companyName: 'BikeRent', mobilePhone: '+32 478 98 76 54' },
  { folder: 'Clients', givenName: 'Lies', surname: 'Wouters', emailAddresses: [{ name: 'Lies Wouters', address: 'lies.wouters@stad.brugge.be' }], companyName: 'Stad Brugge', department: 'Mobiliteit' },
  { folder: 'Family', givenName: 'Mila', surname: 'Peeters', emailAddresses: [{ name: 'Mila Peeters', address: 'mila.peeters@outlook.com' }], birthday: '2015-04-21T11:59:00Z' },
];

export function seedDemoData(store: ContactStore, accounts: Record<string, MicrosoftAccount>): void {
  for (const account of DEMO_ACCOUNTS) {
    accounts[account.email] = { ...account };
    store.createMailbox(account.email);
    const folders = {
      Contacts: store.mailbox(account.email).defaultFolderId,
      Clients: store.createFolder(account.email, 'Clients').id,
      Family: store.createFolder(account.email, 'Family').id,
    };
    const contacts = account.email.startsWith('olivia') ? OLIVIA_CONTACTS : account.email.startsWith('lotte') ? LOTTE_CONTACTS : [];
    for (const { folder, photoColor, ...input } of contacts) {
      const contact = store.createContact(account.email, folders[folder], input);
      if (photoColor) store.setPhoto(account.email, contact.immutableId, solidPng(48, 48, photoColor), 'image/png');
    }
  }
  const olivia = DEMO_ACCOUNTS[0].email;
  store.addExtension(olivia, store.listContacts(olivia, store.findFolderByName(olivia, 'Clients')!.id)[0].immutableId, {
    extensionName: 'com.synclane.crm',
    crmId: 'pipedrive:person:1001',
  });
}

const GIVEN = ['Ava', 'Noah', 'Mia', 'Liam', 'Zoe', 'Finn', 'Lina', 'Arthur', 'Nora', 'Lucas', 'Emma', 'Louis', 'Julia', 'Vince', 'Sara', 'Milan'];
const FAMILY = ['Smith', 'Jansen', 'Dubois', 'Müller', 'Rossi', 'García', 'Novak', 'Kowalski', 'Nguyen', 'Okafor', 'Larsen', 'Silva', 'Cohen', 'Tanaka'];
const COMPANIES = ['Contoso', 'Fabrikam', 'Litware', 'Tailspin Toys', 'Woodgrove Bank', 'Adventure Works', 'Northwind Traders', null];

/** Bulk contacts for load tests: deterministic per (email, folder, index), about 2 µs of work each. */
export function generateContactInputs(seed: string, count: number, startIndex = 0): ContactInput[] {
  const prefix = createHash('sha1').update(seed).digest('hex').slice(0, 6);
  const inputs: ContactInput[] = [];
  for (let n = startIndex; n < startIndex + count; n++) {
    const givenName = GIVEN[n % GIVEN.length];
    const surname = `${FAMILY[Math.floor(n / GIVEN.length) % FAMILY.length]}${n >= GIVEN.length * FAMILY.length ? ` ${n}` : ''}`;
    const company = COMPANIES[n % COMPANIES.length];
    inputs.push({
      givenName,
      surname,
      emailAddresses: [{ name: `${givenName} ${surname}`, address: `${givenName}.${n}.${prefix}@example.com`.toLowerCase() }],
      businessPhones: n % 3 === 0 ? [`+1 555 ${String(n).padStart(7, '0')}`] : [],
      mobilePhone: n % 2 === 0 ? `+32 470 ${String(n).padStart(6, '0')}` : null,
      companyName: company,
      jobTitle: company ? ['Buyer', 'CEO', 'Engineer', 'Sales'][n % 4] : null,
    });
  }
  return inputs;
}

/** A tiny valid PNG of one colour (so the photo endpoints have real image bytes to serve). */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([r, g, b]))]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
