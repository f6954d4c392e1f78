/**
 * The job-queue port: how lib/ asks for runs and cancels them without knowing whether Inngest or the
 * in-process runner does the work. inngest/queue.ts implements it and registers itself at boot
 * (instrumentation → lib/boot) and in the Inngest route; tests register the in-process runner.
 */
import type { RunRequest } from '@/lib/sync/runtime/events';

export type JobQueue = {
  /** Ask for a run (Start, Refresh, hourly, a webhook). At most one run per connection at a time. */
  request(requests: RunRequest[]): Promise<void>;
  /**
   * Debounced request (provider change notifications, polls): the run starts `windowMs` after the first
   * request of a burst, and every further request for that connection until then joins it — a burst of
   * notifications is one run, and a change made while the run reads is caught by the next window.
   */
  requestSoon?(request: RunRequest, windowMs: number): Promise<void>;
  /** Stop runs of these connections (unlink, stop). */
  cancel(connectionIds: string[]): Promise<void>;
  /** One CRM user uninstalled: stop that user's runs only (M5). */
  cancelUser(crmUserId: string, connectionIds: string[]): Promise<void>;
};

const holder = globalThis as unknown as { __synclaneJobQueue?: JobQueue };

export function setJobQueue(queue: JobQueue): void {
  holder.__synclaneJobQueue = queue;
}

export function jobQueue(): JobQueue {
  const q = holder.__synclaneJobQueue;
  if (!q) throw new Error('No job queue is registered: the server boot (lib/boot.ts) registers one before serving requests.');
  return q;
}

/** Debounced run request through the registered queue (a queue without debounce runs it now). */
export async function requestSoon(request: RunRequest, windowMs: number): Promise<void> {
  const q = jobQueue();
  if (q.requestSoon) await q.requestSoon(request, windowMs);
  else await q.request([request]);
}
