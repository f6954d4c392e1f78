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
import { hourlyRunRequests } from '@/lib/sync/schedule';
import type { Pillar } from '@/lib/sync/runtime/pillar';
import type { StepTools } from '@/lib/sync/runtime/step';
import { PILLARS } from '@/lib/sync/registry';
import { purgeUninstalledData } from '@/lib/installations';

/** Hourly cron: one event per due connection of every pillar; the event id makes re-sends within the hour no-ops. */
export const hourlyFanOut = inngest.createFunction({ id: 'sync-hourly', triggers: [{ cron: '0 * * * *' }] }, async ({ step }) => {
  const requests = await step.run('load-due-connections', () => hourlyRunRequests());
  if (requests.length === 0) return { fannedOut: 0 };
  const hour = new Date().toISOString().slice(0, 13);
  // Inngest accepts up to 5,000 events per send; fan out in slices.
  for (let i = 0; i < requests.length; i += 5000)
    await step.sendEvent(
      `fan-out-${i / 5000}`,
      requests.slice(i, i + 5000).map((r) => ({ name: EVENTS.runRequested(r.kind), id: `hourly-${r.connectionId}-${hour}`, data: r })),
    );
  return { fannedOut: requests.length };
});

/** Daily: purge data of users who uninstalled more than 30 days ago (M5). */
export const housekeeping = inngest.createFunction({ id: 'housekeeping', triggers: [{ cron: '17 3 * * *' }] }, async ({ step }) => {
  await step.run('purge-uninstalled', () => purgeUninstalledData());
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
export const functions = [hourlyFanOut, housekeeping, ...syncFunctions];
