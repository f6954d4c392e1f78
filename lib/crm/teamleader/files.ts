/**
 * Teamleader Focus files (reference §4.6): files.list per subject (paged), files.download → a temporary
 * location whose bytes are streamed, files.upload → a temporary location that receives the raw bytes
 * (not form-data), files.delete. One-level folders; no rename and no content replace (delete + upload,
 * new id); no file webhooks. Meetings and products are list-only (files flow CRM → Dropbox only).
 * Projects are the current ("nextgen") projects; legacy projects are not a module here.
 */
import { SyncError } from '@/lib/errors';
import { HttpError, type ApiCallCounter } from '../http';
import type { CrmFile, CrmFileCapabilities, CrmFiles, CrmRecordModule } from '../port';
import { contentLength, fetchStreaming, streamOpener } from '../streams';
import { z } from 'zod';
import { ZTlFile, fileFromTeamleader } from './mapper';

/** The fields of a `contacts.list` / `companies.list` row the record picker shows. */
const ZTlRecordRows = z.array(z.object({ id: z.string().min(1), name: z.string().nullish(), first_name: z.string().nullish(), last_name: z.string().nullish() }).passthrough());

type Call = (method: string, body?: unknown) => Promise<any>;

const SUBJECT_TYPE = { contact: 'contact', company: 'company', deal: 'deal', project: 'nextgenProject', meeting: 'meeting', product: 'product' } as const;
type TlModule = keyof typeof SUBJECT_TYPE;

const INFO: Record<TlModule, { method: string; name: (d: Record<string, any>) => unknown }> = {
  contact: { method: 'contacts.info', name: (d) => [d.first_name, d.last_name].filter(Boolean).join(' ') },
  company: { method: 'companies.info', name: (d) => d.name },
  deal: { method: 'deals.info', name: (d) => d.title },
  project: { method: 'projects-v2/projects.info', name: (d) => d.title },
  meeting: { method: 'meetings.info', name: (d) => d.title },
  product: { method: 'products.info', name: (d) => d.name },
};

export const TEAMLEADER_FILE_CAPABILITIES: CrmFileCapabilities = {
  folders: 'one-level',
  canRename: false,
  canReplaceContent: false,
  sendsFileEvents: false,
  uploadableModules: ['contact', 'company', 'deal', 'project'],
  listableModules: ['contact', 'company', 'deal', 'project', 'meeting', 'product'],
};

function tlModule(module: CrmRecordModule): TlModule {
  if (!(module in SUBJECT_TYPE)) throw new SyncError('validation', `Teamleader has no ${module} records with files`, { vendor: 'teamleader' });
  return module as TlModule;
}

/** The signed transfer host is not the API: a 403 there means the location expired, so ask for a new one. */
function mapTransferError(error: unknown, what: string): unknown {
  if (!(error instanceof HttpError)) return error;
  if (error.status === 413) return new SyncError('validation', `Teamleader refused the file as too large (${what})`, { status: 413, vendor: 'teamleader' });
  return new SyncError('temporary', `Teamleader file transfer failed with ${error.status} (${what})`, { status: error.status, vendor: 'teamleader' });
}

export function createTeamleaderFiles(opts: { call: Call; counter?: ApiCallCounter; pageSize?: number }): CrmFiles {
  const { call, counter } = opts;
  const pageSize = Math.min(opts.pageSize ?? 100, 100);

  async function listSubject(subject: { type: string; id: string }): Promise<CrmFile[]> {
    const files: CrmFile[] = [];
    for (let number = 1; ; number++) {
      const body = await call('files.list', { filter: { subject }, page: { size: pageSize, number }, sort: [{ field: 'updated_at', order: 'asc' }] });
      const rows = (body.data ?? []) as unknown[];
      for (const raw of rows) {
        const parsed = ZTlFile.safeParse(raw);
        if (parsed.success) files.push(fileFromTeamleader(parsed.data));
      }
      if (rows.length < pageSize) return files;
    }
  }

  const info = async (id: string): Promise<CrmFile> => fileFromTeamleader(ZTlFile.parse((await call('files.info', { id })).data));

  return {
    capabilities: TEAMLEADER_FILE_CAPABILITIES,

    // `contacts.list` and `companies.list` take `filter.term` (contacts: names, e-mail, phone; companies: name,
    // VAT, e-mail, phone) and sort by name by default (crm-platforms.md §4.3/§4.4). For projects, meetings and
    // products a term filter is not documented, so those are still chosen by link or id.
    searchableModules: ['contact', 'company'],
    async searchRecords(module, term, limit = 20) {
      const method = module === 'contact' ? 'contacts.list' : module === 'company' ? 'companies.list' : null;
      if (!method) throw new SyncError('validation', `Teamleader ${module}s cannot be searched here; paste the record's link or id.`, { vendor: 'teamleader' });
      const trimmed = term.trim();
      const body = await call(method, { ...(trimmed ? { filter: { term: trimmed } } : {}), page: { size: Math.min(Math.max(limit, 1), 100), number: 1 } });
      const rows = ZTlRecordRows.parse(body.data ?? []);
      return rows.map((r) => ({ id: r.id, name: (r.name ?? [r.first_name, r.last_name].filter(Boolean).join(' ')).trim() || `${module} ${r.id}` }));
    },

    listRecordFiles: (module, recordId) => listSubject({ type: SUBJECT_TYPE[tlModule(module)], id: recordId }),

    async downloadFile(id) {
      const { location } = (await call('files.download', { id })).data as { location: string };
      try {
        const response = await fetchStreaming(location, { counter });
        if (!response.body) throw new SyncError('temporary', `Teamleader sent no body for file ${id}`, { vendor: 'teamleader' });
        return { stream: response.body, size: contentLength(response) };
      } catch (error) {
        throw mapTransferError(error, `download ${id}`);
      }
    },

    async uploadFile({ module, recordId, name, size, content, folder }) {
      const m = tlModule(module);
      if (!TEAMLEADER_FILE_CAPABILITIES.uploadableModules.includes(m)) {
        throw new SyncError('validation', `Teamleader ${m}s cannot receive files`, { vendor: 'teamleader' });
      }
      const subject = { type: SUBJECT_TYPE[m], id: recordId };
      const { location } = (await call('files.upload', { name, subject, ...(folder ? { folder } : {}) })).data as { location: string };
      const open = streamOpener(content);
      let answer: unknown = null;
      try {
        // Step 2: the raw bytes, POSTed to the signed location (no bearer token: the URL is the credential).
        const response = await fetchStreaming(location, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
          body: await open(),
          counter,
        });
        answer = await response.json().catch(() => null);
      } catch (error) {
        throw mapTransferError(error, `upload ${name}`);
      }
      const id = (answer as { data?: { id?: unknown } } | null)?.data?.id;
      if (typeof id === 'string') return info(id);
      // The step-2 answer is not documented: find the file we just added on its record instead.
      const candidates = (await listSubject(subject)).filter((f) => f.name === name && f.size === size);
      const newest = candidates.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
      if (!newest) throw new SyncError('temporary', `Teamleader accepted ${name} but does not list it yet`, { vendor: 'teamleader' });
      return newest;
    },

    async renameFile() {
      throw new SyncError('validation', 'Teamleader files cannot be renamed (delete and upload again)', { vendor: 'teamleader' });
    },

    async deleteFile(id) {
      await call('files.delete', { id });
    },

    async getRecordRef(module, id) {
      const m = tlModule(module);
      try {
        const data = (await call(INFO[m].method, { id })).data as Record<string, any>;
        const name = INFO[m].name(data);
        return { id, name: typeof name === 'string' && name.trim() ? name.trim() : `${m} ${id}` };
      } catch (error) {
        if ((error as { code?: string }).code === 'not_found') return null;
        throw error;
      }
    },
  };
}
