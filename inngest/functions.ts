/**
 * Inngest functions (R1), generated from the pillar registry: one sync function per pillar (singleton per
 * connection, throttled per vendor, cancelled on disconnect and on that user's uninstall, every payload
 * validated by the pillar's zod schema), one hourly fan-out over all pillars, and housekeeping. The bodies
 * are lib/sync's; the same ones run under the in-process runner (local-runner.ts).
 */
import { NonRetriableError, RetryAfterError } from 'inngest';
import { inngest } from './client';
import { EVENTS, type RunRequest } from '@/lib/sync/runtime/events';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { decideAfterError, MAX_ATTEMPTS } from '@/lib/sync/runtime/retry-policy';
import { hourlyRunRequestPage, maintainPillars, pollRunRequests } from '@/lib/sync/schedule';
import type { Pillar } from '@/lib/sync/runtime/pillar';
import type { StepTools } from '@/lib/sync/runtime/step';
import { PILLARS } from '@/lib/sync/registry';
import { purgeUninstalledData } from '@/lib/installations';

/**
 * Hourly cron: one event per due connection of every pillar; the event id makes re-sends within the hour
 * no-ops. Due connections are read a page at a time (one step each), so neither memory nor a step's output
 * grows with the number of connections; each page is one send (≤ 5,000 events per send).
 */
export const hourlyFanOut = inngest.createFunction({ id: 'sync-hourly', triggers: [{ cron: '0 * * * *' }] }, async ({ step }) => {
  const at = await step.run('now', () => new Date().toISOString());
  const hour = at.slice(0, 13);
  let after: string | null = null;
  let total = 0;
  for (let n = 0; ; n++) {
    const cursor = after;
    const page: { requests: RunRequest[]; next: string | null } = await step.run(`load-due-${n}`, () => hourlyRunRequestPage(new Date(at), cursor));
    if (page.requests.length)
      await step.sendEvent(
        `fan-out-${n}`,
        page.requests.map((r) => ({ name: EVENTS.runRequested(r.kind), id: `hourly-${r.connectionId}-${hour}`, data: r })),
      );
    total += page.requests.length;
    after = page.next;
    if (!after) break;
  }
  return { fannedOut: total };
});

/** How often providers without push are checked (B1), and how many checks one poll invocation makes. */
export const POLL_TICK_MS = 5_000;
export const POLL_TICKS_PER_RUN = 11;

/**
 * B1: providers without push (Google) are checked every few seconds. Cron has minute granularity, so each
 * invocation ticks POLL_TICKS_PER_RUN times with a durable sleep between (50 s of sleeps, leaving the rest of
 * the minute for step round trips so the next invocation is not skipped); `singleton` skips an invocation
 * while the previous one still runs. Each check is claimed with a lease in the database, so an overlap
 * never checks a connection twice.
 */
export const changePoll = inngest.createFunction(
  { id: 'sync-poll', triggers: [{ cron: '* * * * *' }], singleton: { mode: 'skip' } },
  async ({ step }) => {
    let requested = 0;
    for (let i = 0; i < POLL_TICKS_PER_RUN; i++) {
      const requests = await step.run(`poll-${i}`, () => pollRunRequests());
      if (requests.length) await step.sendEvent(`changed-${i}`, requests.map((r) => ({ name: EVENTS.runRequested(r.kind), data: r })));
      requested += requests.length;
      if (i < POLL_TICKS_PER_RUN - 1) await step.sleep(`wait-${i}`, POLL_TICK_MS);
    }
    return { requested };
  },
);

/** Hourly: purge data of users who uninstalled more than 30 days ago (M5); renew push subscriptions before they expire (B1). */
export const housekeeping = inngest.createFunction({ id: 'housekeeping', triggers: [{ cron: '17 * * * *' }] }, async ({ step }) => {
  await step.run('purge-uninstalled', () => purgeUninstalledData());
  await step.run('maintain-pillars', () => maintainPillars());
});

export function syncFunctionFor(pillar: Pillar<RunRequest>) {
  return inngest.createFunction(
    {
      id: `${pillar.kind}-sync`,
      triggers: [{ event: EVENTS.runRequested(pillar.kind) }],
      singleton: { key: 'event.data.connectionId', mode: 'skip' },
      throttle: { key: 'event.data.throttleKey', limit: pillar.throttle.limit, period: pillar.throttle.period, burst: pillar.throttle.burst as 10 | undefined },
      retries: (MAX_ATTEMPTS - 1) as 3,
      cancelOn: [
        { event: EVENTS.connectionCancelled, match: 'data.connectionId' },
        // Only the uninstalling user's runs stop; colleagues of the same company keep syncing.
        { event: EVENTS.userUninstalled, match: 'data.crmUserId' },
      ],
      onFailure: async ({ event, error }) => {
        const data = (event.data as { event: { data: RunRequest } }).event.data;
        await recordRunFailure(data, error);
      },
    },
    async ({ event, step, attempt }) => {
      try {
        // Our steps return plain JSON (ids, counts, cursors), so Inngest's Jsonify<T> is T.
        return await executeRun(pillar, step as unknown as StepTools, event.data, { attempt: (attempt ?? 0) + 1 });
      } catch (error) {
        const decision = decideAfterError(error, { attempt: (attempt ?? 0) + 1, rateLimitWaits: 0 });
        if (decision.kind === 'wait') throw new RetryAfterError('rate limited', decision.ms, { cause: error });
        if (decision.kind === 'final') {
          const data = event.data as RunRequest;
          if (data?.connectionId) await recordRunFailure(data, error);
          throw new NonRetriableError(error instanceof Error ? error.message : String(error), { cause: error });
        }
        throw error;
      }
    },
  );
}

export const syncFunctions = PILLARS.map(syncFunctionFor);
export const functions = [hourlyFanOut, changePoll, housekeeping, ...syncFunctions];
