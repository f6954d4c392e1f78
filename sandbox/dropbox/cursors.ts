/**
 * list_folder cursors: opaque, signed, and they encode the original arguments (providers.md §1.12).
 * A cursor is either mid-listing (`after`: the last path_lower returned, so deletions during paging
 * cannot shift entries out of view) or in the change phase (`seq`: the last change seen).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type CursorData = {
  /** account id */
  a: string;
  /** root folder id ("" = app-folder root) */
  r: string;
  rec: boolean;
  del: boolean;
  /** change-log position the listing started at / last change returned */
  s: number;
  /** namespace cursor epoch (reset by the admin control) */
  e: number;
  /** mid-listing: last path_lower returned */
  after?: string;
  limit?: number;
};

export function encodeCursor(secret: string, data: CursorData): string {
  const payload = Buffer.from(JSON.stringify(data)).toString('base64url');
  const mac = createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 22);
  return `AA${payload}.${mac}`;
}

/** undefined when the cursor is malformed, tampered with or not ours. */
export function decodeCursor(secret: string, cursor: unknown): CursorData | undefined {
  if (typeof cursor !== 'string' || !cursor.startsWith('AA')) return undefined;
  const dot = cursor.lastIndexOf('.');
  if (dot < 0) return undefined;
  const payload = cursor.slice(2, dot);
  const mac = Buffer.from(cursor.slice(dot + 1));
  const expected = Buffer.from(createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 22));
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorData;
  } catch {
    return undefined;
  }
}
