/**
 * Dropbox adapter on the official `dropbox` SDK (hosts from configuration, see sdk.ts), with streaming in
 * both directions: uploads go through upload sessions in 8 MiB chunks read from the caller's stream, and
 * downloads hand back the response body as a stream — a file never sits whole in memory. Paths are
 * relative to the app folder ("" is its root); `id:…` works wherever a path does.
 */
import { randomBytes } from 'node:crypto';
import { DropboxResponseError, type Dropbox } from 'dropbox';
import { SyncError } from '@/lib/errors';
import type { ApiCallCounter } from '@/lib/crm/http';
import { DropboxContentHasher, dropboxContentHash } from './content-hash';
import { mapDropboxError } from './errors';
import { entryFromMetadata, fileEntry, folderEntry, type DropboxEntry, type DropboxFileEntry } from './mapper';
import { ZFileMetadata, ZFolderMetadata, ZListFolderResult } from './schemas';
import { dropboxFetch, dropboxSdk } from './sdk';

export type { DropboxEntry, DropboxFileEntry } from './mapper';

/** Upload chunk: a multiple of 4 MiB (Dropbox's block size), well under the 150 MiB per request. */
export const DROPBOX_UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
const CHUNK_ATTEMPTS = 3;
const MAX_CHUNK_WAIT_MS = 10_000;

export type WriteMode = { kind: 'add' } | { kind: 'overwrite' } | { kind: 'update'; rev: string };
export type UploadOptions = { autorename?: boolean; strictConflict?: boolean; clientModified?: Date };
export type ListPage = {
  entries: DropboxEntry[];
  cursor: string;
  hasMore: boolean;
  /** Rows that did not parse, with the reason (counted, never silently dropped). */
  skipped: string[];
};
export type Download = { entry: DropboxFileEntry; body: ReadableStream<Uint8Array>; partial: boolean };

/** Runs a call with a valid access token (the token manager refreshes and retries once on a 401). */
export type WithToken = <T>(call: (accessToken: string) => Promise<T>) => Promise<T>;
export type DropboxClientOptions = { withToken: WithToken; counter?: ApiCallCounter; sleep?: (ms: number) => Promise<void> };

export interface DropboxClient {
  listFolder(path: string, options?: { recursive?: boolean; limit?: number; includeDeleted?: boolean }): Promise<ListPage>;
  /** Throws SyncError cursor_invalid when Dropbox answers `reset` (list again from scratch). */
  listFolderContinue(cursor: string): Promise<ListPage>;
  getLatestCursor(path: string, options?: { recursive?: boolean; includeDeleted?: boolean }): Promise<string>;
  /** Waits up to timeoutSeconds (30–480) for changes behind the cursor; needs no token. */
  longpoll(cursor: string, timeoutSeconds?: number): Promise<{ changes: boolean; backoffSeconds: number | null }>;
  /** null when nothing is at that path or id. */
  getMetadata(pathOrId: string): Promise<DropboxEntry | null>;
  createFolder(path: string, options?: { autorename?: boolean }): Promise<DropboxEntry>;
  /** The folder at `path`, created when missing (an existing file there is a conflict). */
  ensureFolder(path: string): Promise<DropboxEntry>;
  /** Ids survive; a change of casing only is done through a temporary name (move_v2 cannot do it). */
  move(fromPathOrId: string, toPath: string, options?: { autorename?: boolean }): Promise<DropboxEntry>;
  /** The metadata at deletion time, or null when it was already gone. */
  deleteEntry(pathOrId: string, options?: { parentRev?: string }): Promise<DropboxEntry | null>;
  uploadStream(path: string, source: AsyncIterable<Uint8Array>, size: number, mode: WriteMode, options?: UploadOptions): Promise<DropboxFileEntry>;
  /** The body is verified against the content_hash as it streams (whole-file downloads). */
  downloadStream(pathOrId: string, options?: { range?: { start: number; end?: number } }): Promise<Download>;
  getCurrentAccount(): Promise<{ accountId: string; email: string; displayName: string }>;
}

export function createDropboxClient(options: DropboxClientOptions): DropboxClient {
  const { withToken, counter } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /** One SDK call with a token from the token manager; errors leave mapped (401 untouched for its refresh). */
  const call = <T>(fn: (dbx: Dropbox) => Promise<{ result: T }>): Promise<T> =>
    withToken(async (token) => {
      try {
        return (await fn(dropboxSdk(token, counter))).result;
      } catch (error) {
        throw mapDropboxError(error);
      }
    });

  const page = (raw: unknown): ListPage => {
    const result = ZListFolderResult.parse(raw);
    const entries: DropboxEntry[] = [];
    const skipped: string[] = [];
    for (const row of result.entries) {
      const parsed = entryFromMetadata(row);
      if ('entry' in parsed) entries.push(parsed.entry);
      else skipped.push(parsed.error);
    }
    return { entries, cursor: result.cursor, hasMore: result.has_more, skipped };
  };

  const one = (raw: unknown): DropboxEntry => {
    const parsed = entryFromMetadata(raw);
    if ('error' in parsed) throw new SyncError('internal', `Dropbox returned unexpected metadata: ${parsed.error}`, { vendor: 'dropbox' });
    return parsed.entry;
  };

  const nullWhenMissing = async <T>(promise: Promise<T>): Promise<T | null> => {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof SyncError && error.code === 'not_found') return null;
      throw error;
    }
  };

  /** Retries one chunk call on rate limits and transient errors, honouring Retry-After. */
  const retrying = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const retryable = error instanceof SyncError && (error.code === 'rate_limited' || error.code === 'temporary');
        if (!retryable || attempt >= CHUNK_ATTEMPTS) throw error;
        await sleep(Math.min(error.options.retryAfterMs ?? 1000, MAX_CHUNK_WAIT_MS));
      }
    }
  };

  const commitArgs = (path: string, mode: WriteMode, opts: UploadOptions) => ({
    path,
    mode: mode.kind === 'update' ? { '.tag': 'update' as const, update: mode.rev } : { '.tag': mode.kind },
    autorename: opts.autorename ?? false,
    strict_conflict: opts.strictConflict ?? false,
    ...(opts.clientModified ? { client_modified: opts.clientModified.toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
  });

  const client: DropboxClient = {
    async listFolder(path, opts = {}) {
      return page(await call((dbx) => dbx.filesListFolder({ path, recursive: opts.recursive ?? false, include_deleted: opts.includeDeleted ?? false, ...(opts.limit ? { limit: opts.limit } : {}) })));
    },
    async listFolderContinue(cursor) {
      return page(await call((dbx) => dbx.filesListFolderContinue({ cursor })));
    },
    async getLatestCursor(path, opts = {}) {
      return (await call((dbx) => dbx.filesListFolderGetLatestCursor({ path, recursive: opts.recursive ?? false, include_deleted: opts.includeDeleted ?? false }))).cursor;
    },
    async longpoll(cursor, timeoutSeconds = 30) {
      try {
        const result = (await dropboxSdk(undefined, counter).filesListFolderLongpoll({ cursor, timeout: timeoutSeconds })).result;
        return { changes: result.changes, backoffSeconds: result.backoff ?? null };
      } catch (error) {
        throw mapDropboxError(error);
      }
    },
    async getMetadata(pathOrId) {
      return nullWhenMissing(call((dbx) => dbx.filesGetMetadata({ path: pathOrId })).then(one));
    },
    async createFolder(path, opts = {}) {
      const result = await call((dbx) => dbx.filesCreateFolderV2({ path, autorename: opts.autorename ?? false }));
      return folderEntry(ZFolderMetadata.parse(result.metadata));
    },
    async ensureFolder(path) {
      try {
        return await client.createFolder(path);
      } catch (error) {
        if (!(error instanceof SyncError && error.code === 'precondition_failed')) throw error;
        const existing = await client.getMetadata(path);
        if (existing?.kind === 'folder') return existing;
        throw error;
      }
    },
    async move(fromPathOrId, toPath, opts = {}) {
      const relocate = async (from: string, to: string) => one((await call((dbx) => dbx.filesMoveV2({ from_path: from, to_path: to, autorename: opts.autorename ?? false }))).metadata);
      const moved = await relocate(fromPathOrId, toPath);
      if (moved.pathLower !== toPath.toLowerCase() || moved.pathDisplay === toPath) return moved;
      // Same path but other casing: Dropbox left it as it was. Step through a temporary name.
      const slash = toPath.lastIndexOf('/');
      const temporary = `${toPath.slice(0, slash)}/${toPath.slice(slash + 1)}.rename-${randomBytes(4).toString('hex')}`;
      const viaTemporary = await relocate(moved.id ?? fromPathOrId, temporary);
      return relocate(viaTemporary.id ?? temporary, toPath);
    },
    async deleteEntry(pathOrId, opts = {}) {
      return nullWhenMissing(call((dbx) => dbx.filesDeleteV2({ path: pathOrId, ...(opts.parentRev ? { parent_rev: opts.parentRev } : {}) })).then((r) => one(r.metadata)));
    },

    async uploadStream(path, source, size, mode, opts = {}) {
      if (!Number.isInteger(size) || size < 0) throw new SyncError('validation', `Invalid upload size ${size}.`);
      const hasher = new DropboxContentHasher();
      const commit = commitArgs(path, mode, opts);
      let offset = 0;
      let sessionId: string | null = null;
      let result: DropboxFileEntry | null = null;

      for await (const chunk of chunks(source, DROPBOX_UPLOAD_CHUNK_BYTES)) {
        if (offset + chunk.length > size) throw new SyncError('validation', `The file is larger than the declared ${size} bytes.`, { vendor: 'dropbox' });
        hasher.update(chunk);
        const chunkHash = dropboxContentHash(chunk);
        const isLast = offset + chunk.length === size;
        if (offset === 0 && isLast) {
          // Small file: one request.
          result = fileEntry(ZFileMetadata.parse(await retrying(() => call((dbx) => dbx.filesUpload({ ...commit, content_hash: chunkHash, contents: chunk } as never)))));
        } else if (offset === 0) {
          sessionId = (await retrying(() => call((dbx) => dbx.filesUploadSessionStart({ contents: chunk, content_hash: chunkHash } as never)))).session_id;
        } else if (!isLast) {
          await appendChunk(sessionId!, offset, chunk, chunkHash);
        } else {
          result = await finishSession(sessionId!, offset, chunk, chunkHash, commit);
        }
        offset += chunk.length;
      }
      if (size === 0 && offset === 0) {
        result = fileEntry(ZFileMetadata.parse(await call((dbx) => dbx.filesUpload({ ...commit, content_hash: dropboxContentHash(new Uint8Array()), contents: Buffer.alloc(0) } as never))));
      }
      if (!result) throw new SyncError('validation', `The file ended after ${offset} of the declared ${size} bytes.`, { vendor: 'dropbox' });
      const expected = hasher.digest();
      if (result.contentHash && result.contentHash !== expected) {
        throw new SyncError('temporary', `Dropbox stored different bytes for ${path} (content hash mismatch).`, { vendor: 'dropbox', detail: { expected, actual: result.contentHash } });
      }
      return result;
    },

    async downloadStream(pathOrId, opts = {}) {
      return withToken(async (token) => {
        const headers: Record<string, string> = { Authorization: `Bearer ${token}`, 'Dropbox-API-Arg': httpHeaderSafeJson({ path: pathOrId }) };
        if (opts.range) headers.Range = `bytes=${opts.range.start}-${opts.range.end ?? ''}`;
        // Not the SDK's filesDownload: it buffers the whole body before returning.
        let response: Response;
        try {
          response = await dropboxFetch(counter)('https://content.dropboxapi.com/2/files/download', { method: 'POST', headers });
        } catch (error) {
          throw mapDropboxError(error);
        }
        if (!response.ok) {
          const text = await response.text();
          throw mapDropboxError(new DropboxResponseError(response.status, response.headers, parseMaybeJson(text)));
        }
        const entry = fileEntry(ZFileMetadata.parse(JSON.parse(response.headers.get('dropbox-api-result') ?? 'null')));
        const partial = response.status === 206;
        const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
        return { entry, partial, body: partial || !entry.contentHash ? body : body.pipeThrough(verifyingHash(entry.contentHash, pathOrId)) };
      });
    },

    async getCurrentAccount() {
      const account = await call((dbx) => dbx.usersGetCurrentAccount());
      return { accountId: account.account_id, email: account.email, displayName: account.name.display_name };
    },
  };

  async function appendChunk(sessionId: string, offset: number, chunk: Buffer, chunkHash: string): Promise<void> {
    await retrying(async () => {
      try {
        await call((dbx) => dbx.filesUploadSessionAppendV2({ cursor: { session_id: sessionId, offset }, content_hash: chunkHash, contents: chunk } as never));
      } catch (error) {
        // A retry of a chunk whose first answer was lost: Dropbox already has it.
        if (correctOffset(error) === offset + chunk.length) return;
        throw error;
      }
    });
  }

  async function finishSession(sessionId: string, offset: number, chunk: Buffer, chunkHash: string, commit: ReturnType<typeof commitArgs>): Promise<DropboxFileEntry> {
    let attempted = false;
    return retrying(async () => {
      try {
        return fileEntry(ZFileMetadata.parse(await call((dbx) => dbx.filesUploadSessionFinish({ cursor: { session_id: sessionId, offset }, commit, content_hash: chunkHash, contents: chunk } as never))));
      } catch (error) {
        // The session is gone after a finish whose answer was lost: the file is there if the hash matches.
        if (attempted && error instanceof SyncError && error.code === 'not_found') {
          const existing = await client.getMetadata(commit.path);
          if (existing?.kind === 'file') return existing as DropboxFileEntry;
        }
        attempted = true;
        throw error;
      }
    });
  }

  return client;
}

/**
 * Re-chunks any byte stream into fixed-size Buffers (the last one may be shorter). The pieces are copied
 * straight into **one** buffer that is reused for every chunk: the consumer must be done with a chunk
 * (uploaded, hashed) before it asks for the next. A 50 MiB upload thus holds one 8 MiB chunk, instead of
 * allocating a fresh chunk plus its pieces per step and leaving the GC 16 MiB of garbage each time (F-1).
 */
export async function* chunks(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let buffer: Buffer | null = null;
  let filled = 0;
  for await (const piece of source) {
    let offset = 0;
    while (offset < piece.byteLength) {
      buffer ??= Buffer.allocUnsafe(size);
      const take = Math.min(size - filled, piece.byteLength - offset);
      buffer.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === size) {
        yield buffer;
        filled = 0;
      }
    }
  }
  if (filled && buffer) yield buffer.subarray(0, filled);
}

/** Header JSON must be ASCII (the SDK's httpHeaderSafeJson): U+007F–U+FFFF become \uXXXX. */
export function httpHeaderSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function correctOffset(error: unknown): number | undefined {
  if (!(error instanceof SyncError)) return undefined;
  const summary = (error.options.detail as { summary?: string } | undefined)?.summary ?? '';
  if (!/(^|\/)incorrect_offset\//.test(summary)) return undefined;
  return (error.options.detail as { correctOffset?: number }).correctOffset;
}

/** Passes bytes through and fails the stream at the end if they do not hash to Dropbox's content_hash. */
function verifyingHash(expected: string, label: string): TransformStream<Uint8Array, Uint8Array> {
  const hasher = new DropboxContentHasher();
  return new TransformStream({
    transform(chunk, controller) {
      hasher.update(chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      const actual = hasher.digest();
      if (actual !== expected) controller.error(new SyncError('temporary', `Download of ${label} was corrupted (content hash mismatch).`, { vendor: 'dropbox', detail: { expected, actual } }));
    },
  });
}

