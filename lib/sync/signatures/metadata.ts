/**
 * How a signature request names its CRM record (B7): metadata key `synclane_record` = `<module>:<id>`, e.g.
 * `person:42` or `deal:7`. Requests sent from a record carry it (S5); others are matched by signer e-mail.
 */
import type { CrmRecordModule } from '@/lib/crm/port';

export const RECORD_METADATA_KEY = 'synclane_record';
const MODULES: readonly CrmRecordModule[] = ['person', 'organization', 'deal', 'contact', 'company', 'project'];

export function recordMetadataValue(module: CrmRecordModule, id: string): string {
  return `${module}:${id}`;
}

export function recordFromMetadata(metadata: Record<string, unknown>): { module: CrmRecordModule; id: string } | null {
  const value = metadata[RECORD_METADATA_KEY];
  if (typeof value !== 'string') return null;
  const m = /^([a-z]+):([A-Za-z0-9_-]{1,64})$/.exec(value.trim());
  if (!m || !(MODULES as readonly string[]).includes(m[1]!)) return null;
  return { module: m[1] as CrmRecordModule, id: m[2]! };
}
