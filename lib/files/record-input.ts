/** Teamleader has no record panel: users paste a record's link (or its id) in the settings section (F2). Pure. */

/** A pasted record link or id → the record id (Teamleader uuids, Pipedrive numbers). */
export function recordIdFromInput(input: string): string | null {
  const text = input.trim();
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(text);
  if (uuid) return uuid[0].toLowerCase();
  const number = /(\d+)\/?(?:[?#].*)?$/.exec(text);
  return number ? number[1]! : null;
}
