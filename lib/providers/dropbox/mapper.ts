/** Dropbox metadata (wire) → our entry shape. Pure. */
import { z } from 'zod';
import { ZDeletedMetadata, ZFileMetadata, ZFolderMetadata, ZMetadata } from './schemas';

export type DropboxEntry = {
  kind: 'file' | 'folder' | 'deleted';
  /** Stable across renames and moves; null for deletions (Dropbox does not say which id was deleted). */
  id: string | null;
  name: string;
  pathLower: string;
  pathDisplay: string;
  /** Files only: changes on every content change. */
  rev: string | null;
  contentHash: string | null;
  size: number | null;
  serverModified: string | null;
};

export type DropboxFileEntry = DropboxEntry & { kind: 'file'; id: string; rev: string; size: number };

export function fileEntry(m: z.infer<typeof ZFileMetadata>): DropboxFileEntry {
  return {
    kind: 'file',
    id: m.id,
    name: m.name,
    pathLower: m.path_lower ?? '',
    pathDisplay: m.path_display ?? m.path_lower ?? '',
    rev: m.rev,
    contentHash: m.content_hash ?? null,
    size: m.size,
    serverModified: m.server_modified,
  };
}

export function folderEntry(m: z.infer<typeof ZFolderMetadata>): DropboxEntry {
  return { kind: 'folder', id: m.id, name: m.name, pathLower: m.path_lower ?? '', pathDisplay: m.path_display ?? m.path_lower ?? '', rev: null, contentHash: null, size: null, serverModified: null };
}

export function deletedEntry(m: z.infer<typeof ZDeletedMetadata>): DropboxEntry {
  return { kind: 'deleted', id: null, name: m.name, pathLower: m.path_lower ?? '', pathDisplay: m.path_display ?? m.path_lower ?? '', rev: null, contentHash: null, size: null, serverModified: null };
}

/** A tagged metadata union, or an error message when the row does not parse. */
export function entryFromMetadata(raw: unknown): { entry: DropboxEntry } | { error: string } {
  const parsed = ZMetadata.safeParse(raw);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const m = parsed.data;
  if (m['.tag'] === 'file') return { entry: fileEntry(m) };
  if (m['.tag'] === 'folder') return { entry: folderEntry(m) };
  return { entry: deletedEntry(m) };
}
