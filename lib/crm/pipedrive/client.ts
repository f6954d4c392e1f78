/**
 * Thin typed Pipedrive client (API v2 for persons/organizations/deals, v1 for users/me, fields and
 * pictures). Every call goes through `withToken` (token manager: refresh ahead of expiry, 401 → refresh →
 * one retry) and maps vendor errors to our codes.
 */
import { z } from 'zod';
import { env } from '@/lib/env';
import { HttpError, fetchJson, serverTimeOf, type ApiCallCounter } from '../http';
import { pipedriveTokenCost, type PipedriveDailyBudget } from './daily-budget';
import type { RatePacer } from '../rate-pacer';
import { mapPipedriveError } from './errors';
import { createPipedriveFiles } from './files';
import type { CrmClient, CrmOrganization, CrmPerson, CrmUserInfo, PersonInput, PersonPage, RecordSummary } from '../port';
import { ZPdOrganization, ZPdOrganizationField, ZPdPerson, ZPdUserMe, organizationPhone, personFromPipedrive, personToPipedrive, type PipedriveFieldMap } from './mapper';

export type WithToken = <T>(call: (accessToken: string) => Promise<T>) => Promise<T>;

export type PipedriveClientOptions = {
  apiDomain: string;
  withToken: WithToken;
  fieldMap?: PipedriveFieldMap;
  counter?: ApiCallCounter;
  /** Paces calls to the token's burst limit; search calls also wait on `searchPacer` (10 per 2 s). */
  pacer?: RatePacer;
  searchPacer?: RatePacer;
  /** The company's daily token budget: calls stop (fail fast) once it is spent. */
  dailyBudget?: PipedriveDailyBudget;
};

/** The record's page in the Pipedrive web app, which lives on the company domain (`https://acme.pipedrive.com/person/1`). */
export function recordUrl(apiDomain: string, resource: 'person' | 'organization' | 'deal' | 'product', id: string | number): string {
  return `${apiDomain.replace(/\/$/, '')}/${resource}/${encodeURIComponent(String(id))}`;
}

export function createPipedriveClient(opts: PipedriveClientOptions): CrmClient & {
  listPersonFields(): Promise<{ key: string; name: string; field_type: string; options?: { id: string | number; label: string }[] | null }[]>;
  createPersonField(name: string, fieldType: string): Promise<{ key: string }>;
  setPersonPicture(id: string, bytes: Uint8Array, contentType: string): Promise<void>;
  createWebhook(body: Record<string, unknown>): Promise<{ id: string }>;
  deleteWebhook(id: string): Promise<void>;
} {
  const base = opts.apiDomain.replace(/\/$/, '');
  const fieldMap = opts.fieldMap ?? {};
  const pacersFor = (path: string): RatePacer[] =>
    [path.endsWith('/search') ? opts.searchPacer : undefined, opts.pacer].filter((p): p is RatePacer => !!p);

  async function request(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined | null>, meta?: { date?: string | null }) {
    const u = new URL(`${base}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
    opts.dailyBudget?.check(pipedriveTokenCost(method, path));
    try {
      return await opts.withToken(async (token) => {
        const res = await fetchJson(u.toString(), {
          method,
          counter: opts.counter,
          pacers: pacersFor(path),
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        if (meta) meta.date = res.headers.get('date');
        opts.dailyBudget?.observe(res.status, res.headers);
        return res.body;
      });
    } catch (error) {
      if (error instanceof HttpError) opts.dailyBudget?.observe(error.status, error.headers);
      if (opts.dailyBudget?.exhausted()) throw opts.dailyBudget.error();
      throw mapPipedriveError(error);
    }
  }

  // C11: keys of the organization's phone custom fields, read once per client.
  let organizationPhoneKeys: Promise<string[]> | null = null;
  const loadOrganizationPhoneKeys = () =>
    (organizationPhoneKeys ??= (async () => {
      const keys: string[] = [];
      let start = 0;
      for (;;) {
        const body = await request('GET', '/api/v1/organizationFields', undefined, { start, limit: 500 });
        for (const raw of (body.data ?? []) as unknown[]) {
          const field = ZPdOrganizationField.safeParse(raw);
          if (field.success && field.data.field_type === 'phone') keys.push(field.data.key);
        }
        const pg = body.additional_data?.pagination;
        if (!pg?.more_items_in_collection) break;
        start = pg.next_start;
      }
      return keys;
    })().catch((error) => {
      organizationPhoneKeys = null;
      throw error;
    }));

  const toPerson = (raw: unknown): CrmPerson => personFromPipedrive(ZPdPerson.parse(raw), fieldMap, (id) => recordUrl(base, 'person', id));

  return {
    crm: 'pipedrive',
    personsHaveOwner: true,
    files: createPipedriveFiles({ base, withToken: opts.withToken, counter: opts.counter, request }),

    async getMe(): Promise<CrmUserInfo> {
      const body = await request('GET', '/api/v1/users/me');
      const me = ZPdUserMe.parse(body.data);
      return {
        userId: String(me.id),
        name: me.name,
        email: me.email ?? null,
        locale: me.locale ?? null,
        isAdmin: !!me.is_admin || (me.access ?? []).some((a) => a.app === 'global' && a.admin),
        companyId: String(me.company_id),
        companyName: me.company_name,
        companyDomain: me.company_domain ?? null,
      };
    },

    async listPersons({ cursor, updatedSince, ownerId, limit = 500 }): Promise<PersonPage> {
      const meta: { date?: string | null } = {};
      const body = await request('GET', '/api/v2/persons', undefined, {
        cursor,
        updated_since: updatedSince,
        owner_id: ownerId,
        limit,
        sort_by: 'id',
        sort_direction: 'asc',
      }, meta);
      const items: CrmPerson[] = [];
      const invalid: PersonPage['invalid'] = [];
      for (const raw of (body.data ?? []) as unknown[]) {
        const parsed = ZPdPerson.safeParse(raw);
        if (parsed.success) items.push(personFromPipedrive(parsed.data, fieldMap, (id) => recordUrl(base, 'person', id)));
        else invalid.push({ id: String((raw as { id?: unknown })?.id ?? '?'), reason: `Unreadable person from Pipedrive: ${parsed.error.issues[0]?.message}` });
      }
      return { items, nextCursor: body.additional_data?.next_cursor ?? null, invalid, serverTime: serverTimeOf(meta.date) };
    },

    async existingPersons(ids) {
      const found = new Map<string, { ownerId: string | null }>();
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += 100) {
        const chunk = unique.slice(i, i + 100);
        const body = await request('GET', '/api/v2/persons', undefined, { ids: chunk.join(','), limit: 100 });
        for (const raw of (body.data ?? []) as { id?: unknown; owner_id?: unknown }[]) {
          if (raw?.id !== undefined) found.set(String(raw.id), { ownerId: raw.owner_id === undefined || raw.owner_id === null ? null : String(raw.owner_id) });
        }
      }
      return found;
    },

    async getPerson(id) {
      try {
        return toPerson((await request('GET', `/api/v2/persons/${encodeURIComponent(id)}`)).data);
      } catch (error) {
        if ((error as { code?: string }).code === 'not_found') return null;
        throw error;
      }
    },

    async createPerson(input: PersonInput) {
      return toPerson((await request('POST', '/api/v2/persons', personToPipedrive(input, fieldMap))).data);
    },

    async updatePerson(id, input) {
      return toPerson((await request('PATCH', `/api/v2/persons/${encodeURIComponent(id)}`, personToPipedrive(input, fieldMap))).data);
    },

    async deletePerson(id) {
      await request('DELETE', `/api/v2/persons/${encodeURIComponent(id)}`);
    },

    async searchPersons(term, field) {
      const body = await request('GET', '/api/v2/persons/search', undefined, { term, exact_match: 'true', fields: field, limit: 100 });
      return ((body?.data?.items ?? []) as { item: { id: number; owner?: { id?: number | null } | null } }[]).map(({ item }) => ({
        id: String(item.id),
        ownerId: item.owner?.id != null ? String(item.owner.id) : null,
      }));
    },

    async getOrganizations(ids) {
      const result = new Map<string, CrmOrganization>();
      const unique = [...new Set(ids.filter(Boolean))];
      const phoneKeys = unique.length ? await loadOrganizationPhoneKeys() : [];
      for (let i = 0; i < unique.length; i += 100) {
        const chunk = unique.slice(i, i + 100);
        const body = await request('GET', '/api/v2/organizations', undefined, { ids: chunk.join(','), limit: 100 });
        for (const raw of (body.data ?? []) as unknown[]) {
          const parsed = ZPdOrganization.safeParse(raw);
          if (!parsed.success) continue;
          const o = parsed.data;
          result.set(String(o.id), { id: String(o.id), name: o.name, phone: organizationPhone(o, phoneKeys), address: o.address?.value ? { formatted: o.address.value } : null });
        }
      }
      return result;
    },

    async probeCreateOrganization() {
      await request('POST', '/api/v2/organizations', {});
    },

    async findOrCreateOrganization(name) {
      const body = await request('GET', '/api/v2/organizations/search', undefined, { term: name, exact_match: 'true', fields: 'name', limit: 5 }).catch(() => null);
      const found = (body?.data?.items ?? []).map((i: { item: { id: number; name: string } }) => i.item).find((o: { name: string }) => o.name === name);
      if (found) return { id: String(found.id), name: found.name, phone: null, address: null };
      const created = ZPdOrganization.parse((await request('POST', '/api/v2/organizations', { name })).data);
      return { id: String(created.id), name: created.name, phone: null, address: null };
    },

    async getRecord(resource, id): Promise<RecordSummary | null> {
      const path = resource === 'person' ? 'persons' : resource === 'organization' ? 'organizations' : 'deals';
      let data: Record<string, any>;
      try {
        data = (await request('GET', `/api/v2/${path}/${encodeURIComponent(id)}`)).data;
      } catch (error) {
        if ((error as { code?: string }).code === 'not_found') return null;
        throw error;
      }
      const fields: { label: string; value: string }[] = [];
      if (resource === 'person') {
        const p = toPerson(data);
        if (p.emails.length) fields.push({ label: 'E-mail', value: p.emails.map((e) => e.value).join(', ') });
        if (p.phones.length) fields.push({ label: 'Phone', value: p.phones.map((e) => e.value).join(', ') });
        if (p.jobTitle) fields.push({ label: 'Job title', value: p.jobTitle });
        return { resource, id, title: p.name ?? ([p.firstName, p.lastName].filter(Boolean).join(' ') || `Person ${id}`), fields, webUrl: p.webUrl };
      }
      if (resource === 'organization') {
        if (data.address?.value) fields.push({ label: 'Address', value: String(data.address.value) });
        return { resource, id, title: String(data.name ?? `Organization ${id}`), fields, webUrl: recordUrl(base, 'organization', id) };
      }
      if (data.value !== undefined) fields.push({ label: 'Value', value: `${data.value} ${data.currency ?? ''}`.trim() });
      if (data.status) fields.push({ label: 'Status', value: String(data.status) });
      return { resource, id, title: String(data.title ?? `Deal ${id}`), fields, webUrl: recordUrl(base, 'deal', id) };
    },

    async listPersonFields() {
      const fields: { key: string; name: string; field_type: string; options?: { id: string | number; label: string }[] | null }[] = [];
      let start = 0;
      for (;;) {
        const body = await request('GET', '/api/v1/personFields', undefined, { start, limit: 500 });
        fields.push(...((body.data ?? []) as typeof fields));
        const pg = body.additional_data?.pagination;
        if (!pg?.more_items_in_collection) break;
        start = pg.next_start;
      }
      return fields;
    },

    async createPersonField(name, fieldType) {
      const body = await request('POST', '/api/v1/personFields', { name, field_type: fieldType });
      return { key: String(body.data.key) };
    },

    async createWebhook(body) {
      const res = await request('POST', '/api/v1/webhooks', body);
      return { id: String(res.data.id) };
    },

    async deleteWebhook(id) {
      await request('DELETE', `/api/v1/webhooks/${encodeURIComponent(id)}`);
    },

    async setPersonPicture(id, bytes, contentType) {
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(bytes)], { type: contentType }), 'photo.jpg');
      opts.dailyBudget?.check(pipedriveTokenCost('POST', `/api/v1/persons/${id}/picture`));
      try {
        await opts.withToken(async (token) => {
          const ticket = opts.pacer ? await opts.pacer.acquire() : null;
          if (ticket) opts.pacer!.sent(ticket);
          if (opts.counter) opts.counter.count++;
          const res = await fetch(`${base}/api/v1/persons/${encodeURIComponent(id)}/picture`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
            body: form,
          }).catch((error: unknown) => {
            if (ticket) opts.pacer!.done(ticket);
            throw error;
          });
          opts.pacer?.observe(ticket, res.status, res.headers);
          opts.dailyBudget?.observe(res.status, res.headers);
          if (!res.ok) {
            const { HttpError } = await import('../http');
            throw new HttpError(res.status, await res.text(), res.headers, `POST picture → ${res.status}`);
          }
        });
      } catch (error) {
        if (opts.dailyBudget?.exhausted()) throw opts.dailyBudget.error();
        throw mapPipedriveError(error);
      }
    },
  };
}

export const ZPagination = z.object({ next_cursor: z.string().nullable().optional() });
