/**
 * The pillars the runtime runs. Adding a pillar is a folder under lib/sync/ plus a line here: the Inngest
 * functions, the in-process runner, the hourly fan-out, webhook fan-out and the settings page all read this.
 */
import type { Pillar } from '@/lib/sync/runtime/pillar';
import type { RunRequest } from '@/lib/sync/runtime/events';
import { contactsPillar } from '@/lib/sync/contacts/pillar';
import { filesPillar } from '@/lib/sync/files/pillar';
import { signaturesPillar } from '@/lib/sync/signatures/pillar';

export const PILLARS: Pillar<RunRequest>[] = [
  contactsPillar as unknown as Pillar<RunRequest>,
  filesPillar as unknown as Pillar<RunRequest>,
  signaturesPillar as unknown as Pillar<RunRequest>,
];

/** Cards for pillars not built yet: shown honestly as "not available yet" on the settings page. */
export const UPCOMING_PILLARS = [] as const;

export function pillarFor(kind: string): Pillar<RunRequest> {
  const pillar = PILLARS.find((p) => p.kind === kind);
  if (!pillar) throw new Error(`No sync pillar of kind "${kind}"`);
  return pillar;
}
