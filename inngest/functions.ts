/**
 * Inngest functions (R1): thin wrappers around lib/sync. The same bodies run under the in-process
 * runner (local-runner.ts) when no Inngest server is configured.
 */
import { NonRetriableError, RetryAfterError } from 'inngest';
import { inngest } from './client';
import { EVENTS, RetryLaterError, type ContactSyncEventData, type StepTools } from '@/lib/jobs/step';
import { listSyncsForHourlyRun, recordRunFailure, runContactSyncJob } from '@/lib/sync/contacts/run';
import { SyncError } from '@/lib/errors';
import { purgeUninstalledData } from '@/lib/installations';

/** Hourly cron: fans out one event per active connection; the event id makes re-sends within the hour no-ops. */
export const contactsHourly = inngest.createFunction(
  { id: 'contacts-hourly', triggers: [{ cron: '0 * * * *' }] },
  async ({ step }) => {
    await step.run('purge-uninstalled', () => purgeUninstalledData());
    const syncs = await step.run('load-connections', () => listSyncsForHourlyRun());
    if (syncs.length === 0) return { fannedOut: 0 };
    const hour = new Date().toISOString().slice(0, 13);
    await step.sendEvent(
      'fan-out',
      syncs.map((s) => ({
        name: EVENTS.syncRequested,
        id: `hourly-${s.syncId}-${hour}`,
        data: { syncId: s.syncId, installationId: s.installationId, provider: s.provider, trigger: 'hourly' } satisfies ContactSyncEventData,
      })),
    );
    return { fannedOut: syncs.length };
  },
);

/** One sync run for one connection. Singleton per connection; throttled per provider; cancelled on disconnect/uninstall. */
export const contactsSync = inngest.createFunction(
  {
    id: 'contacts-sync',
    triggers: [{ event: EVENTS.syncRequested }],
    singleton: { key: 'event.data.syncId', mode: 'skip' },
    throttle: { key: 'event.data.provider', limit: 60, period: '1m', burst: 10 },
    retries: 4,
    cancelOn: [
      { event: EVENTS.syncCancelled, match: 'data.syncId' },
      { event: EVENTS.userUninstalled, if: 'async.data.installationId == event.data.installationId' },
    ],
    onFailure: async ({ event, error }) => {
      const data = (event.data as { event: { data: ContactSyncEventData } }).event.data;
      await recordRunFailure(data, error);
    },
  },
  async ({ event, step }) => {
    const data = event.data as ContactSyncEventData;
    try {
      // Our steps return plain JSON (ids, counts, cursors), so Inngest's Jsonify<T> is T.
      return await runContactSyncJob(step as unknown as StepTools, data);
    } catch (error) {
      if (error instanceof RetryLaterError) throw new RetryAfterError(error.message, error.retryAfterMs, { cause: error });
      if (error instanceof SyncError && (error.action === 'reconnect' || error.action === 'stop')) {
        await recordRunFailure(data, error);
        throw new NonRetriableError(error.message, { cause: error });
      }
      throw error;
    }
  },
);

export const functions = [contactsHourly, contactsSync];
