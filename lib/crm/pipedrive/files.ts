/**
 * Pipedrive files (reference §3.7), all API v1: per-record lists paged with start/limit (≤100), streamed
 * download, multipart upload streamed around the source, rename via PUT (name only), soft delete. No
 * folders and no file webhooks: deletions show up as ids missing from a record's list.
 */
import { SyncError } from '@/lib/errors';
import type { ApiCallCounter } from '../http';
import type { CrmFile, CrmFileCapabilities, CrmFiles, CrmRecordModule } from '../port';
import { contentLength, fetchStreaming, multipartBody, streamOpener } from '../streams';
import { mapPipedriveError } from './errors';
import { ZPdFile, fileFromPipedrive } from './mapper';

type WithToken = <T>(call: (accessToken: string) => Promise<T>) => Promise<T>;
type JsonRequest = (method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined | null>) => Promise<any>;

const MODULES = ['person', 'organization', 'deal', 'product'] as const satisfies readonly CrmRecordModule[];
type PdModule = (typeof MODULES)[number];

const LIST_PATH: Record<PdModule, string> = { person: 'persons', organization: 'organizations', deal: 'deals', product: 'products' };
const UPLOAD_FIELD: Record<PdModule, string> = { person: 'person_id', organization: 'org_id', deal: 'deal_id', product: 'product_id' };

export const PIPEDRIVE_FILE_CAPABILITIES: CrmFileCapabilities = {
  folders: 'none',
  canRename: true,
  canReplaceContent: false,
  sendsFileEvents: false,
  uploadableModules: MODULES,
  listableModules: MODULES,
};

function pdModule(module: CrmRecordModule): PdModule {
  if (!(MODULES as readonly string[]).includes(module)) throw new SyncError('validation', `Pipedrive has no ${module} records`, { vendor: 'pipedrive' });
  return module as PdModule;
}

function numericId(id: string): string {
  if (!/^\d+$/.test(id)) throw new SyncError('not_found', `Pipedrive ids are numeric, got ${id}`, { vendor: 'pipedrive' });
  return id;
}

export function createPipedriveFiles(opts: { base: string; withToken: WithToken; counter?: ApiCallCounter; request: JsonRequest }): CrmFiles {
  const { base, withToken, counter, request } = opts;

  const toFile = (raw: unknown): CrmFile => fileFromPipedrive(ZPdFile.parse(raw));

  async function streamingCall<T>(call: (token: string) => Promise<T>): Promise<T> {
    try {
      return await withToken(call);
    } catch (error) {
      throw mapPipedriveError(error);
    }
  }

  return {
    capabilities: PIPEDRIVE_FILE_CAPABILITIES,

    async listRecordFiles(module, recordId) {
      const path = `/api/v1/${LIST_PATH[pdModule(module)]}/${numericId(recordId)}/files`;
      const files: CrmFile[] = [];
      let start = 0;
      for (;;) {
        const body = await request('GET', path, undefined, { start, limit: 100, sort: 'id' });
        for (const raw of (body.data ?? []) as unknown[]) {
          const parsed = ZPdFile.safeParse(raw);
          // Lists carry live files only; active_flag false would be a soft-deleted one (the withdrawn include_deleted_files).
          if (parsed.success && parsed.data.active_flag !== false) files.push(fileFromPipedrive(parsed.data));
        }
        const pagination = body.additional_data?.pagination;
        if (!pagination?.more_items_in_collection) break;
        start = Number(pagination.next_start ?? start + 100);
      }
      return files;
    },

    async downloadFile(id) {
      const response = await streamingCall((token) =>
        fetchStreaming(`${base}/api/v1/files/${numericId(id)}/download`, { headers: { authorization: `Bearer ${token}` }, counter }),
      );
      if (!response.body) throw new SyncError('temporary', `Pipedrive sent no body for file ${id}`, { vendor: 'pipedrive' });
      return { stream: response.body, size: contentLength(response) };
    },

    async uploadFile({ module, recordId, name, size, content, contentType }) {
      const field = UPLOAD_FIELD[pdModule(module)];
      const open = streamOpener(content);
      const response = await streamingCall(async (token) => {
        const multipart = multipartBody({ [field]: numericId(recordId) }, { field: 'file', name, contentType: contentType || 'application/octet-stream', size, stream: await open() });
        return fetchStreaming(`${base}/api/v1/files`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': multipart.contentType, 'content-length': String(multipart.length) },
          body: multipart.body,
          counter,
        });
      });
      return toFile((await response.json()).data);
    },

    async renameFile(id, name) {
      // PUT /v1/files/{id} takes form fields; only name and description can change (no content, no re-link).
      const response = await streamingCall((token) =>
        fetchStreaming(`${base}/api/v1/files/${numericId(id)}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ name }).toString(),
          headersTimeoutMs: 30_000,
          counter,
        }),
      );
      return toFile((await response.json()).data);
    },

    async deleteFile(id) {
      await request('DELETE', `/api/v1/files/${numericId(id)}`);
    },

    // Pipedrive records are chosen from their own panel (the Dropbox button), not searched in settings.
    searchableModules: [],
    async searchRecords(module) {
      throw new SyncError('validation', `Pipedrive ${module}s are chosen from the record's Dropbox button.`, { vendor: 'pipedrive' });
    },

    async getRecordRef(module, id) {
      const m = pdModule(module);
      let data: Record<string, unknown>;
      try {
        data = (await request('GET', `/api/v2/${LIST_PATH[m]}/${numericId(id)}`)).data;
      } catch (error) {
        if ((error as { code?: string }).code === 'not_found') return null;
        throw error;
      }
      if (!data || data.is_deleted) return null;
      const name = m === 'deal' ? data.title : data.name;
      return { id, name: typeof name === 'string' && name.trim() ? name.trim() : `${m} ${id}` };
    },
  };
}
