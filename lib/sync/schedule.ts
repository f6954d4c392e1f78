/**
 * What is due, over every pillar (C16, F8, B1): the hourly fan-out, page by page (one query for a page of
 * due connections, one per pillar for its requests), the providers' change polls, and hourly upkeep.
 */
import type { JobQueue } from '@/lib/jobs/queue';
import { PILLARS } from '@/lib/sync/registry';
import { listDueConnectionsPage } from '@/lib/sync/runtime/connections';
import type { RunRequest } from '@/lib/sync/runtime/events';

/** Due connections per page: bounds memory and the size of each pillar query (Postgres allows 65,535 parameters). */
export const FAN_OUT_PAGE = 1000;

/** One page of hourly requests; `next` is the cursor of the following page (null after the last). */
export async function hourlyRunRequestPage(at: Date, afterId: string | null, limit = FAN_OUT_PAGE): Promise<{ requests: RunRequest[]; next: string | null }> {
  const due = await listDueConnectionsPage(at, afterId, limit);
  const requests: RunRequest[] = [];
  for (const pillar of PILLARS) {
    const mine = due.filter((c) => c.kind === pillar.kind);
    if (mine.length) requests.push(...(await pillar.requestsFor(mine, 'hourly')));
  }
  return { requests, next: due.length === limit ? due[due.length - 1]!.id : null };
}

/** Every page of hourly requests, one page in memory at a time. */
export async function* hourlyRunRequestPages(at = new Date(), limit = FAN_OUT_PAGE): AsyncGenerator<RunRequest[]> {
  let after: string | null = null;
  do {
    const page: { requests: RunRequest[]; next: string | null } = await hourlyRunRequestPage(at, after, limit);
    if (page.requests.length) yield page.requests;
    after = page.next;
  } while (after);
}

/** All hourly requests at once (tests and small installs; the runners page). */
export async function hourlyRunRequests(at = new Date()): Promise<RunRequest[]> {
  const out: RunRequest[] = [];
  for await (const page of hourlyRunRequestPages(at)) out.push(...page);
  return out;
}

/** The hourly fan-out into a job queue, page by page; returns how many runs were requested. */
export async function enqueueHourly(queue: JobQueue, at = new Date(), limit = FAN_OUT_PAGE): Promise<number> {
  let n = 0;
  for await (const page of hourlyRunRequestPages(at, limit)) {
    await queue.request(page);
    n += page.length;
  }
  return n;
}

/** B1: runs for connections whose provider reported a change to a poll (providers without push). */
export async function pollRunRequests(at = new Date()): Promise<RunRequest[]> {
  const out: RunRequest[] = [];
  for (const pillar of PILLARS) if (pillar.poll) out.push(...(await pillar.poll(at)));
  return out;
}

/** Hourly upkeep of every pillar (push subscriptions renewed before they expire, …). One failure does not stop the others. */
export async function maintainPillars(at = new Date()): Promise<void> {
  for (const pillar of PILLARS) await pillar.maintain?.(at).catch((error) => console.error(`[schedule] ${pillar.kind} upkeep failed`, error));
}
