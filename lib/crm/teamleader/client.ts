/**
 * Thin typed Teamleader Focus client: RPC `POST {api}/<resource>.<action>` with JSON bodies. Every call goes
 * through `withToken` (token manager; single-use refresh tokens are rotated under a row lock).
 */
import { env } from '@/lib/env';
import { fetchJson, serverTimeOf, type ApiCallCounter } from '../http';
import type { RatePacer } from '../rate-pacer';
import { mapTeamleaderError } from './errors';
import { createTeamleaderFiles } from './files';
import type { CrmClient, CrmOrganization, CrmPerson, PersonPage, RecordSummary } from '../port';
import { ZTlCompany, ZTlContact, addressFromTeamleader, contactFromTeamleader, contactToTeamleader } from './mapper';
import type { WithToken } from '../pipedrive/client';

export type TeamleaderClientOptions = {
  withToken: WithToken;
  counter?: ApiCallCounter;
  pageSize?: number;
  /** Paces calls to the integration's 200-per-60-s budget on the account. */
  pacer?: RatePacer;
};

const webUrl = (kind: 'contacts' | 'companies', id: string) => `${env().teamleader.webUrl}/${kind}/${id}`;

export function createTeamleaderClient(opts: TeamleaderClientOptions): CrmClient & { call(method: string, body?: unknown): Promise<any> } {
  const api = env().teamleader.apiUrl;
  const pageSize = opts.pageSize ?? 100;

  async function call(method: string, body: unknown = {}, meta?: { date?: string | null }): Promise<any> {
    try {
      return await opts.withToken(async (token) => {
        const res = await fetchJson(`${api}/${method}`, {
          method: 'POST',
          counter: opts.counter,
          pacers: opts.pacer ? [opts.pacer] : [],
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
        });
        if (meta) meta.date = res.headers.get('date');
        return res.body;
      });
    } catch (error) {
      throw mapTeamleaderError(error);
    }
  }

  const toPerson = (raw: unknown): CrmPerson => contactFromTeamleader(ZTlContact.parse(raw), (id) => webUrl('contacts', id));

  async function info(id: string): Promise<CrmPerson | null> {
    try {
      return toPerson((await call('contacts.info', { id })).data);
    } catch (error) {
      if ((error as { code?: string }).code === 'not_found') return null;
      throw error;
    }
  }

  return {
    crm: 'teamleader',
    personsHaveOwner: false,
    call,
    files: createTeamleaderFiles({ call, counter: opts.counter }),

    async getMe() {
      const me = (await call('users.me')).data;
      return {
        userId: String(me.id),
        name: [me.first_name, me.last_name].filter(Boolean).join(' ') || String(me.email ?? me.id),
        email: me.email ?? null,
        locale: me.language ?? null,
        isAdmin: false,
        companyId: String(me.account?.id),
        companyName: '',
        companyDomain: null,
      };
    },

    /**
     * contacts.list omits companies and remarks: rows come back `partial`, and callers complete only the
     * rows they need with contacts.info (Teamleader allows 200 calls a minute). The cursor is the page number.
     */
    async listPersons({ cursor, updatedSince, limit }): Promise<PersonPage> {
      const size = Math.min(limit ?? pageSize, 100);
      const number = cursor ? Number(cursor) : 1;
      const filter: Record<string, unknown> = {};
      if (updatedSince) filter.updated_since = updatedSince;
      const meta: { date?: string | null } = {};
      const body = await call('contacts.list', { filter, page: { size, number }, sort: [{ field: 'added_at', order: 'asc' }] }, meta);
      const rows = (body.data ?? []) as unknown[];
      const items: CrmPerson[] = [];
      const invalid: PersonPage['invalid'] = [];
      for (const raw of rows) {
        const parsed = ZTlContact.safeParse(raw);
        if (!parsed.success) {
          invalid.push({ id: String((raw as { id?: unknown })?.id ?? '?'), reason: `Unreadable contact from Teamleader: ${parsed.error.issues[0]?.message}` });
          continue;
        }
        items.push({ ...contactFromTeamleader(parsed.data, (id) => webUrl('contacts', id)), partial: true });
      }
      return { items, nextCursor: rows.length === size ? String(number + 1) : null, invalid, serverTime: serverTimeOf(meta.date) };
    },

    getPerson: info,

    async existingPersons(ids) {
      const found = new Map<string, { ownerId: string | null }>();
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += 100) {
        const body = await call('contacts.list', { filter: { ids: unique.slice(i, i + 100) }, page: { size: 100, number: 1 } });
        for (const c of (body.data ?? []) as { id: string }[]) found.set(c.id, { ownerId: null });
      }
      return found;
    },

    /** Exact e-mail match (filter.email) or a name search (filter.term); Teamleader contacts have no owner. */
    async searchPersons(term, field) {
      if (field === 'phone') return [];
      const filter = field === 'email' ? { email: { type: 'primary', email: term } } : { term };
      const body = await call('contacts.list', { filter, page: { size: 100, number: 1 } });
      return ((body.data ?? []) as { id: string }[]).map((c) => ({ id: c.id, ownerId: null }));
    },

    async createPerson(input) {
      const created = (await call('contacts.add', contactToTeamleader(input))).data;
      if (input.orgId) await call('contacts.linkToCompany', { id: created.id, company_id: input.orgId, position: input.jobTitle ?? undefined });
      return (await info(created.id))!;
    },

    async updatePerson(id, input) {
      await call('contacts.update', { id, ...contactToTeamleader(input) });
      return (await info(id))!;
    },

    async deletePerson(id) {
      await call('contacts.delete', { id });
    },

    async getOrganizations(ids) {
      const result = new Map<string, CrmOrganization>();
      const unique = [...new Set(ids.filter(Boolean))];
      for (let i = 0; i < unique.length; i += 100) {
        const body = await call('companies.list', { filter: { ids: unique.slice(i, i + 100) }, page: { size: 100, number: 1 } });
        for (const raw of (body.data ?? []) as unknown[]) {
          const parsed = ZTlCompany.safeParse(raw);
          if (!parsed.success) continue;
          const c = parsed.data;
          const phone = c.telephones?.find((t) => t.type !== 'fax')?.number ?? null;
          result.set(c.id, { id: c.id, name: c.name, phone, address: addressFromTeamleader(c.primary_address ?? c.addresses?.[0]?.address) });
        }
      }
      return result;
    },

    async findOrCreateOrganization(name) {
      const body = await call('companies.list', { filter: { term: name }, page: { size: 20, number: 1 } });
      const found = (body.data ?? []).find((c: { name: string }) => c.name === name);
      if (found) return { id: found.id, name: found.name, phone: null, address: null };
      const created = (await call('companies.add', { name })).data;
      return { id: created.id, name, phone: null, address: null };
    },

    async getRecord(resource, id): Promise<RecordSummary | null> {
      if (resource !== 'person') return null;
      const p = await info(id);
      if (!p) return null;
      return { resource, id, title: p.name ?? id, fields: p.emails.map((e) => ({ label: 'E-mail', value: e.value })), webUrl: p.webUrl };
    },
  };
}
