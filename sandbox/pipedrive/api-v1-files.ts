/**
 * Files (reference §3.7), all API v1: `POST /api/v1/files` (multipart `file` + deal_id / person_id / org_id /
 * product_id), `GET /api/v1/files`, per-record lists, `GET /api/v1/files/:id`, `GET …/download` (the bytes),
 * `PUT` (name and description only), `DELETE` (soft delete). Pipedrive has no folders and sends no file
 * webhooks, so a deletion is only visible as a file missing from its record's list. The withdrawn
 * `include_deleted_files` flag is deliberately not emulated.
 * Products (`GET /api/v2/products[/:id]`) live here too: their only use in the sandbox is as a file target.
 */
import { readForm, readJson, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { ApiRoutes, idParam, integerQuery, paginate, type ApiCaller } from './api-context';
import type { EmulatorDeps } from './emulator-deps';
import { parseMultipart } from '../lib/multipart';
import { ApiFailure } from './store';
import type { Company, FileRecord } from './types';
import { ok, v1Time } from './wire-format';

/** Pipedrive's `file_type`: a coarse kind from the extension (img, pdf, doc, …). */
export function fileType(fileName: string): string {
  const ext = /\.([^.]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  if (['png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp', 'svg', 'heic', 'tif', 'tiff'].includes(ext)) return 'img';
  if (ext === 'pdf') return 'pdf';
  if (['doc', 'docx', 'odt', 'rtf'].includes(ext)) return 'doc';
  if (['xls', 'xlsx', 'ods', 'csv'].includes(ext)) return 'xls';
  if (['ppt', 'pptx', 'odp'].includes(ext)) return 'ppt';
  if (['txt', 'md', 'log'].includes(ext)) return 'txt';
  if (['zip', 'rar', '7z', 'gz', 'tar'].includes(ext)) return 'zip';
  if (['mp3', 'wav', 'm4a', 'ogg'].includes(ext)) return 'audio';
  if (['mp4', 'mov', 'avi', 'mkv', 'webm'].includes(ext)) return 'video';
  return 'other';
}

const TARGETS = [
  { field: 'person_id', path: 'persons', label: 'Person' },
  { field: 'org_id', path: 'organizations', label: 'Organization' },
  { field: 'deal_id', path: 'deals', label: 'Deal' },
  { field: 'product_id', path: 'products', label: 'Product' },
] as const;

type TargetField = (typeof TARGETS)[number]['field'];

function requireProducts(company: Company): void {
  if (!company.productsEnabled) throw new ApiFailure(415, 'Products feature is not enabled for this company.');
}

/** v1 offset paging: `start` (default 0), `limit` (default and max 100 for files). */
function v1Page<T>(items: T[], query: URLSearchParams): { page: T[]; pagination: Record<string, unknown> } {
  const start = integerQuery(query, 'start') ?? 0;
  const limit = integerQuery(query, 'limit') ?? 100;
  if (limit < 1 || limit > 100) throw new ApiFailure(400, 'limit must be an integer between 1 and 100.');
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { page, pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } };
}

/** `sort=id|update_time` with an optional ` ASC|DESC`. */
function sortFiles(files: FileRecord[], sort: string | null): FileRecord[] {
  const match = /^\s*(id|update_time)(?:\s+(ASC|DESC))?\s*$/i.exec(sort ?? 'id');
  if (!match) throw new ApiFailure(400, 'sort must be id or update_time, optionally followed by ASC or DESC.');
  const key = match[1].toLowerCase() as 'id' | 'update_time';
  const sign = (match[2] ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1;
  return [...files].sort((a, b) => sign * (a[key] - b[key] || a.id - b.id));
}

export function registerFileRoutes(api: ApiRoutes, { store, installs }: EmulatorDeps): void {
  const serialize = (file: FileRecord): Record<string, unknown> => {
    const c = file.companyId;
    const apiDomain = installs.apiDomain(c);
    return {
      id: file.id,
      user_id: file.userId,
      deal_id: file.deal_id,
      person_id: file.person_id,
      org_id: file.org_id,
      product_id: file.product_id,
      activity_id: null,
      lead_id: null,
      project_id: null,
      log_id: null,
      add_time: v1Time(file.add_time),
      update_time: v1Time(file.update_time),
      file_name: file.file_name,
      file_type: fileType(file.file_name),
      file_size: file.file_size,
      active_flag: file.active_flag,
      inline_flag: false,
      remote_location: 's3',
      remote_id: null,
      cid: null,
      s3_bucket: null,
      mail_message_id: null,
      mail_template_id: null,
      deal_name: file.deal_id ? store.deal(c, file.deal_id)?.title ?? '' : '',
      person_name: file.person_id ? store.person(c, file.person_id)?.name ?? '' : '',
      org_name: file.org_id ? store.organizationIncludingDeleted(c, file.org_id)?.name ?? '' : '',
      product_name: file.product_id ? store.product(c, file.product_id)?.name ?? '' : '',
      lead_name: '',
      project_name: '',
      url: `${apiDomain}/v1/files/${file.id}/download`,
      name: file.name,
      description: file.description,
    };
  };

  /** The record a file hangs on must exist, not be deleted, and be visible to the caller. */
  const requireTarget = (caller: ApiCaller, field: TargetField, id: number) => {
    const c = caller.company.id;
    const label = TARGETS.find((t) => t.field === field)!.label;
    const record =
      field === 'person_id' ? store.person(c, id)
      : field === 'org_id' ? store.organization(c, id)
      : field === 'deal_id' ? store.deal(c, id)
      : (requireProducts(caller.company), store.product(c, id));
    if (!record || record.is_deleted || !store.canSee(caller.user, record)) throw new ApiFailure(404, `${label} not found`);
  };

  const canSeeFile = (caller: ApiCaller, file: FileRecord) => {
    const c = caller.company.id;
    const records = [
      file.person_id ? store.person(c, file.person_id) : null,
      file.org_id ? store.organizationIncludingDeleted(c, file.org_id) : null,
      file.deal_id ? store.deal(c, file.deal_id) : null,
      file.product_id ? store.product(c, file.product_id) : null,
    ].filter((r): r is NonNullable<typeof r> => !!r);
    return records.every((r) => store.canSee(caller.user, r));
  };

  const visibleFile = (req: SandboxRequest, caller: ApiCaller) => {
    const file = store.file(caller.company.id, idParam(req));
    if (!file || !canSeeFile(caller, file)) throw new ApiFailure(404, 'File not found');
    return file;
  };

  const activeFiles = (caller: ApiCaller, where: (f: FileRecord) => boolean) =>
    store.filesOf(caller.company.id).filter((f) => f.active_flag && where(f) && canSeeFile(caller, f));

  const listResponse = (req: SandboxRequest, files: FileRecord[]): SandboxResponse => {
    const { page, pagination } = v1Page(sortFiles(files, req.url.searchParams.get('sort')), req.url.searchParams);
    return ok(page.length ? page.map(serialize) : null, { pagination });
  };

  api.add('POST', '/api/v1/files', (req, caller) => {
    const parts = parseMultipart(req.body, req.headers['content-type']);
    if (!parts) throw new ApiFailure(400, 'Request must be multipart/form-data with a file field.');
    const upload = parts.find((p) => p.name === 'file' && p.fileName !== null);
    if (!upload) throw new ApiFailure(400, 'file is required.');
    if (upload.data.length > store.state.settings.fileMaxBytes) throw new ApiFailure(413, 'File is too large.');
    const field = (name: string) => parts.find((p) => p.name === name)?.data.toString('utf8').trim() || null;
    for (const unsupported of ['activity_id', 'lead_id']) {
      if (field(unsupported)) throw new ApiFailure(400, `${unsupported} is not emulated by the sandbox.`);
    }
    const target: Record<TargetField, number | null> = { person_id: null, org_id: null, deal_id: null, product_id: null };
    for (const { field: name } of TARGETS) {
      const value = field(name);
      if (value === null) continue;
      if (!/^\d+$/.test(value)) throw new ApiFailure(400, `${name} must be an integer.`);
      requireTarget(caller, name, Number(value));
      target[name] = Number(value);
    }
    // Every link is optional in Pipedrive's add-file schema: a file with none shows only in GET /v1/files.
    const file = store.addFile(caller.company.id, target, { fileName: upload.fileName || 'file', contentType: upload.contentType, bytes: upload.data }, caller.user.id);
    return ok(serialize(file));
  });

  api.add('GET', '/api/v1/files', (req, caller) => listResponse(req, activeFiles(caller, () => true)));

  for (const { field, path } of TARGETS) {
    api.add('GET', `/api/v1/${path}/:id/files`, (req, caller) => {
      const id = idParam(req);
      requireTarget(caller, field, id);
      return listResponse(req, activeFiles(caller, (f) => f[field] === id));
    });
  }

  api.add('GET', '/api/v1/files/:id', (req, caller) => ok(serialize(visibleFile(req, caller))));

  api.add('GET', '/api/v1/files/:id/download', (req, caller): SandboxResponse => {
    const file = visibleFile(req, caller);
    if (!file.active_flag) throw new ApiFailure(410, 'File has been deleted.');
    const bytes = Buffer.from(file.base64, 'base64');
    return {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      },
      body: bytes,
    };
  });

  api.add('PUT', '/api/v1/files/:id', (req, caller) => {
    const file = visibleFile(req, caller);
    const type = String(req.headers['content-type'] ?? '');
    let values: Record<string, unknown>;
    if (type.includes('json')) values = readJson<Record<string, unknown>>(req) ?? {};
    else if (type.startsWith('multipart/')) values = Object.fromEntries((parseMultipart(req.body, type) ?? []).map((p) => [p.name, p.data.toString('utf8')]));
    else values = Object.fromEntries(readForm(req));
    for (const key of Object.keys(values)) {
      if (key !== 'name' && key !== 'description') throw new ApiFailure(400, `${key} cannot be changed: only name and description can.`);
    }
    const patch: { name?: string; description?: string | null } = {};
    if (values.name !== undefined) patch.name = String(values.name);
    if (values.description !== undefined) patch.description = values.description === null ? null : String(values.description);
    return ok(serialize(store.updateFile(caller.company.id, file.id, patch)));
  });

  api.add('DELETE', '/api/v1/files/:id', (req, caller) => {
    const file = visibleFile(req, caller);
    store.deleteFile(caller.company.id, file.id);
    return ok({ id: file.id });
  });

  // ── products (v2, read only) ─────────────────────────────────────────────────────────────────
  api.add('GET', '/api/v2/products', (req, caller) => {
    requireProducts(caller.company);
    const products = store.productsOf(caller.company.id).filter((p) => !p.is_deleted && store.canSee(caller.user, p));
    const { page, nextCursor } = paginate(products, req.url.searchParams);
    return ok(page.map((p) => store.serializeProduct(p)), { next_cursor: nextCursor });
  });

  api.add('GET', '/api/v2/products/:id', (req, caller) => {
    requireProducts(caller.company);
    const product = store.product(caller.company.id, idParam(req));
    if (!product || product.is_deleted || !store.canSee(caller.user, product)) throw new ApiFailure(404, 'Product not found');
    return ok(store.serializeProduct(product));
  });
}
