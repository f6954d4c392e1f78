/** The job-queue port's implementations: Inngest events when an Inngest server is configured, else the in-process runner. */
import { env } from '@/lib/env';
import { setJobQueue, type JobQueue } from '@/lib/jobs/queue';
import { EVENTS } from '@/lib/sync/runtime/events';
import { inngest } from './client';
import { localQueue, localRunner } from './local-runner';

export const inngestQueue: JobQueue = {
  async request(requests) {
    if (requests.length) await inngest.send(requests.map((data) => ({ name: EVENTS.runRequested(data.kind), data })));
  },
  async requestSoon(request, windowMs) {
    // Trailing-edge debounce without state: every request in the same window carries the same event id
    // (Inngest keeps the first, drops the rest) and is scheduled for the window's end (`ts`).
    const windowEnd = (Math.floor(Date.now() / windowMs) + 1) * windowMs;
    await inngest.send({ name: EVENTS.runRequested(request.kind), id: `soon-${request.connectionId}-${windowEnd}`, ts: windowEnd, data: request });
  },
  async cancel(ids) {
    if (ids.length) await inngest.send(ids.map((connectionId) => ({ name: EVENTS.connectionCancelled, data: { connectionId } })));
  },
  async cancelUser(crmUserId) {
    await inngest.send({ name: EVENTS.userUninstalled, data: { crmUserId } });
  },
};

/** Registers the queue for this process (server boot, the Inngest route, scripts). */
export function registerJobQueue(): JobQueue {
  const queue = env().jobs.mode === 'inngest' ? inngestQueue : localQueue();
  setJobQueue(queue);
  return queue;
}

/** Server boot: register the queue; in local mode start the in-process runner (its hourly scheduler) now. */
export function startJobs(): 'inngest' | 'local' {
  registerJobQueue();
  if (env().jobs.mode === 'local') localRunner();
  return env().jobs.mode;
}
