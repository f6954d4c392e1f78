/** Zod schemas for what Dropbox returns (metadata unions, token and account answers). */
import { z } from 'zod';

export const ZFileMetadata = z.object({
  '.tag': z.literal('file').optional(),
  id: z.string().startsWith('id:'),
  name: z.string(),
  path_lower: z.string().optional(),
  path_display: z.string().optional(),
  rev: z.string(),
  size: z.number().int().nonnegative(),
  content_hash: z.string().optional(),
  server_modified: z.string(),
  client_modified: z.string().optional(),
  is_downloadable: z.boolean().optional(),
});

export const ZFolderMetadata = z.object({
  '.tag': z.literal('folder').optional(),
  id: z.string().startsWith('id:'),
  name: z.string(),
  path_lower: z.string().optional(),
  path_display: z.string().optional(),
});

export const ZDeletedMetadata = z.object({
  '.tag': z.literal('deleted'),
  name: z.string(),
  path_lower: z.string().optional(),
  path_display: z.string().optional(),
});

/** Tagged metadata (list_folder entries, get_metadata, move_v2/delete_v2 `metadata`). */
export const ZMetadata = z.discriminatedUnion('.tag', [
  ZFileMetadata.extend({ '.tag': z.literal('file') }),
  ZFolderMetadata.extend({ '.tag': z.literal('folder') }),
  ZDeletedMetadata,
]);

export const ZListFolderResult = z.object({ entries: z.array(z.unknown()), cursor: z.string(), has_more: z.boolean() });

export const ZTokenResult = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  account_id: z.string().optional(),
  uid: z.string().optional(),
});

export const ZAccount = z.object({
  account_id: z.string(),
  email: z.string(),
  name: z.object({ display_name: z.string() }),
});
