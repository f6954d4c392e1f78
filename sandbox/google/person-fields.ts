/** Field lists of the People API Person resource (providers.md §4.4–4.5): one source of truth. */

/** Valid `personFields` / `readMask` paths. */
export const READABLE_PERSON_FIELDS = [
  'addresses', 'ageRanges', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'coverPhotos',
  'emailAddresses', 'events', 'externalIds', 'genders', 'imClients', 'interests', 'locales', 'locations',
  'memberships', 'metadata', 'miscKeywords', 'names', 'nicknames', 'occupations', 'organizations',
  'phoneNumbers', 'photos', 'relations', 'sipAddresses', 'skills', 'urls', 'userDefined',
] as const;

/** Valid `updatePersonFields` / `updateMask` paths (and the fields a contact stores). */
export const UPDATABLE_PERSON_FIELDS = [
  'addresses', 'biographies', 'birthdays', 'calendarUrls', 'clientData', 'emailAddresses', 'events',
  'externalIds', 'genders', 'imClients', 'interests', 'locales', 'locations', 'memberships', 'miscKeywords',
  'names', 'nicknames', 'occupations', 'organizations', 'phoneNumbers', 'relations', 'sipAddresses', 'urls',
  'userDefined',
] as const;

/** Contact sources allow at most one of these. */
export const SINGLETON_PERSON_FIELDS = ['names', 'biographies', 'birthdays', 'genders'] as const;

/** Accepted in request bodies and ignored (output-only). */
export const OUTPUT_ONLY_PERSON_FIELDS = ['resourceName', 'etag', 'metadata', 'photos', 'coverPhotos', 'ageRanges', 'ageRange', 'skills', 'taglines', 'residences', 'braggingRights', 'relationshipInterests', 'relationshipStatuses'];

export const BATCH_GET_LIMIT = 200;
export const BATCH_CREATE_LIMIT = 200;
export const BATCH_UPDATE_LIMIT = 200;
export const BATCH_DELETE_LIMIT = 500;
export const MODIFY_MEMBERS_LIMIT = 1000;
export const CONNECTIONS_PAGE_SIZE_DEFAULT = 100;
export const CONNECTIONS_PAGE_SIZE_MAX = 1000;
export const GROUPS_PAGE_SIZE_DEFAULT = 30;
export const GROUPS_PAGE_SIZE_MAX = 1000;

export const SORT_ORDERS = ['LAST_MODIFIED_ASCENDING', 'LAST_MODIFIED_DESCENDING', 'FIRST_NAME_ASCENDING', 'LAST_NAME_ASCENDING'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export const MY_CONTACTS = 'contactGroups/myContacts';
export const STARRED = 'contactGroups/starred';
export const SYSTEM_GROUPS: { resourceName: string; name: string; formattedName: string }[] = [
  { resourceName: MY_CONTACTS, name: 'myContacts', formattedName: 'My Contacts' },
  { resourceName: STARRED, name: 'starred', formattedName: 'Starred' },
];

export const CONTACTS_SCOPE = 'https://www.googleapis.com/auth/contacts';
export const CONTACTS_READONLY_SCOPE = 'https://www.googleapis.com/auth/contacts.readonly';
