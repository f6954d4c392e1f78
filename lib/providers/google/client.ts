/**
 * Google Contacts through the official `@googleapis/people` client. The API root is configuration
 * (real people.googleapis.com, or the sandbox emulator); the access token comes from the token manager.
 */
import { people as peopleApi, type people_v1 } from '@googleapis/people';
import { OAuth2Client } from 'google-auth-library';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import type { ApiCallCounter } from '@/lib/crm/http';
import type { WithToken } from '@/lib/crm/pipedrive/client';
import type { ChangePage, ContactProvider, RemoteContact, RemoteGroup, WriteResult } from '../port';
import { GOOGLE_BATCH_CREATE_MAX, GOOGLE_BATCH_DELETE_MAX, GOOGLE_BATCH_UPDATE_MAX } from '@/lib/sync/contacts/constants';
import { googleFailure, mapGoogleError } from './errors';
import { paced, type RatePacer } from '@/lib/crm/rate-pacer';
import { GOOGLE_READ_FIELDS, GOOGLE_WRITE_FIELDS, contactFromGooglePerson, contactToGooglePerson, hasRealPhoto, realPhotoUrl, refOf } from './mapper';

/** The user's per-minute People API quotas, shared by every client of the account in this process. */
export type GooglePacers = { read?: RatePacer; write?: RatePacer };

export function createGoogleProvider(opts: { withToken: WithToken; counter?: ApiCallCounter; pacers?: GooglePacers }): ContactProvider {
  const auth = new OAuth2Client();
  const api = peopleApi({ version: 'v1', auth, rootUrl: `${new URL(env().google.peopleRootUrl).origin}/` });

  /** One People API call, held to the user's read or write quota (Performance: at, never over, the allowed rate). */
  async function call<T>(fn: (p: people_v1.People) => Promise<{ data: T }>, kind: 'read' | 'write' = 'read'): Promise<T> {
    try {
      return await paced(
        kind === 'write' ? opts.pacers?.write : opts.pacers?.read,
        1,
        () =>
          opts.withToken(async (token) => {
            auth.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
            if (opts.counter) opts.counter.count++;
            return (await fn(api)).data;
          }),
        googleFailure,
      );
    } catch (error) {
      throw mapGoogleError(error);
    }
  }

  const toRemote = (p: people_v1.Schema$Person): RemoteContact => ({
    remoteId: p.resourceName!,
    etag: p.etag ?? '',
    contact: contactFromGooglePerson(p),
    ref: refOf(p),
    updatedAt: p.metadata?.sources?.[0]?.updateTime ?? null,
    hasPhoto: hasRealPhoto(p),
    photoRef: realPhotoUrl(p),
  });

  const inGroup = (p: people_v1.Schema$Person, groupId: string) =>
    (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === groupId);

  /** Contacts in the group carrying our reference stamp, by stamp. */
  async function listStamped(groupId: string, wanted: (ref: string) => boolean) {
    const found = new Map<string, { remoteId: string; etag: string }>();
    let pageToken: string | undefined;
    do {
      const data = await call((p) =>
        p.people.connections.list({ resourceName: 'people/me', personFields: 'clientData,memberships,metadata', pageSize: 1000, pageToken }),
      );
      for (const person of data.connections ?? []) {
        const ref = refOf(person);
        if (ref && wanted(ref) && inGroup(person, groupId) && person.resourceName) found.set(ref, { remoteId: person.resourceName, etag: person.etag ?? '' });
      }
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken);
    return found;
  }

  async function listGroups(): Promise<RemoteGroup[]> {
    const groups: RemoteGroup[] = [];
    let pageToken: string | undefined;
    do {
      const data = await call((p) => p.contactGroups.list({ pageSize: 1000, pageToken, groupFields: 'name,groupType,memberCount' }));
      for (const g of data.contactGroups ?? [])
        groups.push({ id: g.resourceName!, name: g.formattedName ?? g.name ?? g.resourceName!, memberCount: g.memberCount ?? 0, system: g.groupType === 'SYSTEM_CONTACT_GROUP' });
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken);
    return groups;
  }

  const provider: ContactProvider = {
    provider: 'google',
    batch: { create: GOOGLE_BATCH_CREATE_MAX, update: GOOGLE_BATCH_UPDATE_MAX, delete: GOOGLE_BATCH_DELETE_MAX },
    listGroups,

    async getGroup(id) {
      try {
        const g = await call((p) => p.contactGroups.get({ resourceName: id, groupFields: 'name,groupType,memberCount' }));
        return { id: g.resourceName!, name: g.name ?? id, memberCount: g.memberCount ?? 0 };
      } catch (error) {
        if (error instanceof SyncError && error.code === 'not_found') return null;
        throw error;
      }
    },

    async ensureGroup(name) {
      const existing = (await listGroups()).find((g) => !g.system && g.name === name);
      if (existing) return existing;
      const g = await call((p) => p.contactGroups.create({ requestBody: { contactGroup: { name } } }), 'write');
      return { id: g.resourceName!, name: g.name ?? name, memberCount: 0 };
    },

    async createContacts(items, groupId) {
      const results: WriteResult[] = [];
      for (let i = 0; i < items.length; i += GOOGLE_BATCH_CREATE_MAX) {
        const chunk = items.slice(i, i + GOOGLE_BATCH_CREATE_MAX);
        const data = await call((p) =>
          p.people.batchCreateContacts({
            requestBody: { contacts: chunk.map((it) => ({ contactPerson: contactToGooglePerson(it.contact, it.ref, groupId) })), readMask: 'clientData,metadata' },
          }),
          'write',
        );
        const created = data.createdPeople ?? [];
        chunk.forEach((it, n) => {
          const r = created[n];
          if (r?.person?.resourceName && (!r.httpStatusCode || r.httpStatusCode < 300))
            results.push({ ref: it.ref, remoteId: r.person.resourceName, etag: r.person.etag ?? '' });
          else results.push({ ref: it.ref, error: new SyncError('validation', `Google rejected the contact: ${r?.status?.message ?? 'unknown error'}`) });
        });
      }
      return results;
    },

    async updateContacts(items, groupId) {
      const results: WriteResult[] = [];
      for (let i = 0; i < items.length; i += GOOGLE_BATCH_UPDATE_MAX) {
        const chunk = items.slice(i, i + GOOGLE_BATCH_UPDATE_MAX);
        const contacts: Record<string, people_v1.Schema$Person> = {};
        for (const it of chunk) {
          const person = contactToGooglePerson(it.contact, it.ref, null);
          contacts[it.remoteId] = { ...person, etag: it.etag ?? undefined };
        }
        try {
          const data = await call((p) =>
            p.people.batchUpdateContacts({ requestBody: { contacts, updateMask: GOOGLE_WRITE_FIELDS, readMask: 'metadata' } }),
            'write',
          );
          for (const it of chunk) {
            const r = data.updateResult?.[it.remoteId];
            if (r?.person) results.push({ ref: it.ref, remoteId: it.remoteId, etag: r.person.etag ?? '' });
            else results.push({ ref: it.ref, error: new SyncError('validation', `Google did not update ${it.remoteId}: ${r?.status?.message ?? 'no result'}`) });
          }
        } catch (error) {
          // One stale etag or vanished contact fails the whole batch: fall back to one update per contact.
          if (!(error instanceof SyncError) || !['precondition_failed', 'not_found', 'validation'].includes(error.code)) throw error;
          for (const it of chunk) results.push(await updateOne(it, groupId));
        }
      }
      return results;
    },

    async deleteContacts(remoteIds) {
      const out: { remoteId: string; error?: SyncError }[] = [];
      for (let i = 0; i < remoteIds.length; i += GOOGLE_BATCH_DELETE_MAX) {
        const chunk = remoteIds.slice(i, i + GOOGLE_BATCH_DELETE_MAX);
        try {
          await call((p) => p.people.batchDeleteContacts({ requestBody: { resourceNames: chunk } }), 'write');
          out.push(...chunk.map((remoteId) => ({ remoteId })));
        } catch (error) {
          if (!(error instanceof SyncError) || error.code !== 'not_found') throw error;
          for (const remoteId of chunk) {
            try {
              await call((p) => p.people.deleteContact({ resourceName: remoteId }), 'write');
              out.push({ remoteId });
            } catch (e) {
              // Already gone is what we wanted.
              out.push(e instanceof SyncError && e.code === 'not_found' ? { remoteId } : { remoteId, error: e as SyncError });
            }
          }
        }
      }
      return out;
    },

    async getContact(remoteId) {
      try {
        return toRemote(await call((p) => p.people.get({ resourceName: remoteId, personFields: GOOGLE_READ_FIELDS })));
      } catch (error) {
        if (error instanceof SyncError && error.code === 'not_found') return null;
        throw error;
      }
    },

    async getPhoto(remoteId, photoRef) {
      // Contact photo URLs are served without the API token (googleusercontent.com, or the sandbox).
      const download = async (url: string) => {
        if (opts.counter) opts.counter.count++;
        const res = await fetch(url);
        return res.ok ? { bytes: new Uint8Array(await res.arrayBuffer()), contentType: res.headers.get('content-type') ?? 'image/jpeg' } : null;
      };
      // The listing already named the photo's URL: no People API call (and no read quota) for it. Only when
      // that URL no longer answers is the contact asked again for a current one.
      if (photoRef) {
        const photo = await download(photoRef).catch(() => null);
        if (photo) return photo;
      }
      const person = await call((p) => p.people.get({ resourceName: remoteId, personFields: 'photos' })).catch((error) => {
        if (error instanceof SyncError && error.code === 'not_found') return null;
        throw error;
      });
      const url = person ? realPhotoUrl(person) : undefined;
      return url && url !== photoRef ? download(url) : null;
    },

    async findByRefs(groupId, refs) {
      return listStamped(groupId, (ref) => refs.has(ref));
    },

    async listRefs(groupId) {
      return listStamped(groupId, () => true);
    },

    async listChanges(groupId, cursor, pageCursor): Promise<ChangePage> {
      const data = await call((p) =>
        p.people.connections.list({
          resourceName: 'people/me',
          personFields: GOOGLE_READ_FIELDS,
          pageSize: 1000,
          pageToken: pageCursor ?? undefined,
          ...(cursor ? { syncToken: cursor } : { requestSyncToken: true }),
        }),
      );
      const items: RemoteContact[] = [];
      const deletedIds: string[] = [];
      for (const person of data.connections ?? []) {
        if (!person.resourceName) continue;
        if (person.metadata?.deleted) {
          deletedIds.push(person.resourceName);
          continue;
        }
        if (inGroup(person, groupId)) items.push(toRemote(person));
        // A contact that left the group is reported as a deletion from the synced scope.
        else if (cursor) deletedIds.push(person.resourceName);
      }
      return { items, deletedIds, nextPageCursor: data.nextPageToken ?? null, syncCursor: data.nextSyncToken ?? null, isFullPass: !cursor };
    },
  };

  async function updateOne(it: { ref: string; remoteId: string; etag: string | null; contact: import('@/lib/sync/contacts/model').Contact }, _groupId: string): Promise<WriteResult> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        let etag = it.etag;
        if (attempt > 0 || !etag) etag = (await provider.getContact(it.remoteId))?.etag ?? null;
        if (!etag) return { ref: it.ref, error: new SyncError('not_found', 'The Google contact no longer exists.') };
        const person = { ...contactToGooglePerson(it.contact, it.ref, null), etag };
        const data = await call((p) =>
          p.people.updateContact({ resourceName: it.remoteId, updatePersonFields: GOOGLE_WRITE_FIELDS, personFields: 'metadata', requestBody: person }),
          'write',
        );
        return { ref: it.ref, remoteId: it.remoteId, etag: data.etag ?? '' };
      } catch (error) {
        if (error instanceof SyncError && error.code === 'precondition_failed' && attempt === 0) continue;
        if (error instanceof SyncError && (error.code === 'not_found' || error.code === 'validation' || error.code === 'precondition_failed'))
          return { ref: it.ref, error };
        throw error;
      }
    }
    return { ref: it.ref, error: new SyncError('precondition_failed', 'Google kept reporting a newer version of this contact.') };
  }

  return provider;
}
