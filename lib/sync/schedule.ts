/** What is due hourly, over every pillar (C16, F8): one query for the due connections, one per pillar for its requests. */
import { PILLARS } from '@/lib/sync/registry';
import { listDueConnections } from '@/lib/sync/runtime/connections';
import type { RunRequest } from '@/lib/sync/runtime/events';

export async function hourlyRunRequests(at = new Date()): Promise<RunRequest[]> {
  const due = await listDueConnections(at);
  const out: RunRequest[] = [];
  for (const pillar of PILLARS) {
    const mine = due.filter((c) => c.kind === pillar.kind);
    if (mine.length) out.push(...(await pillar.requestsFor(mine, 'hourly')));
  }
  return out;
}
