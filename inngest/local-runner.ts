/**
 * In-process job runner, used when no Inngest server is configured (the sandbox default). It runs the
 * same function bodies as Inngest with a step shim: an hourly scheduler, a refresh queue, one run per
 * connection at a time (skip semantics, like Inngest `singleton`), bounded retries with backoff that
 * honour Retry-After, and run state in the database (sync_runs). Honest limits: single process,
 * at-least-once, in-flight steps are not durable — a crash mid-run leaves the run to the watchdog,
 * and the next run resumes from the cursors the finished steps stored.
 */
import { env } from '@/lib/env';
import { RetryLaterError, type ContactSyncEventData, type StepTools } from '@/lib/jobs/step';
import { SyncError, toSyncError } from '@/lib/errors';
import { listSyncsForHourlyRun, recordRunFailure, resetStuckSyncs, runContactSyncJob } from '@/lib/sync/contacts/run';
import { purgeUninstalledData } from '@/lib/installations';

const MAX_ATTEMPTS = 4;
/** Waiting out a rate limit is not a failure: it does not use an attempt (up to this many waits per run). */
const MAX_RATE_LIMIT_WAITS = 30;
const BASE_BACKOFF_MS = 2_000;

type Runner = {
  enqueue(data: ContactSyncEventData): boolean;
  cancel(syncId: string): void;
  isRunning(syncId: string): boolean;
  idle(): Promise<void>;
  stop(): void;
};

const shim: StepTools = { run: (_id, fn) => fn() };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export function createLocalRunner(opts: { hourly?: boolean; tickMs?: number; backoffMs?: number } = {}): Runner {
  const running = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  // Asked again while running (Refresh, a webhook): run once more afterwards so that change is not missed.
  const again = new Map<string, ContactSyncEventData>();
  let timer: NodeJS.Timeout | null = null;
  let bootTick: NodeJS.Timeout | null = null;
  const backoff = opts.backoffMs ?? BASE_BACKOFF_MS;

  async function execute(data: ContactSyncEventData, abort: AbortController) {
    let waits = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (abort.signal.aborted) return;
      try {
        await runContactSyncJob(shim, { ...data, trigger: attempt > 1 ? 'retry' : data.trigger }, { signal: abort.signal, attempt });
        return;
      } catch (error) {
        const e = error instanceof RetryLaterError ? error : toSyncError(error);
        const rateLimited = e instanceof RetryLaterError || (e instanceof SyncError && e.code === 'rate_limited');
        if (rateLimited && waits < MAX_RATE_LIMIT_WAITS) {
          waits++;
          attempt--; // the next try resumes from the stored cursors
        }
        const final = (!rateLimited && attempt >= MAX_ATTEMPTS) || (rateLimited && waits >= MAX_RATE_LIMIT_WAITS) || (e instanceof SyncError && (e.action === 'reconnect' || e.action === 'stop' || e.action === 'skip'));
        if (final || abort.signal.aborted) {
          await recordRunFailure(data, e).catch((err) => console.error('[jobs] could not record failure', err));
          return;
        }
        const wait =
          e instanceof RetryLaterError ? e.retryAfterMs : e instanceof SyncError && e.options.retryAfterMs ? e.options.retryAfterMs : backoff * 2 ** (attempt - 1);
        await sleep(Math.min(wait, 5 * 60_000), abort.signal);
      }
    }
  }

  const runner: Runner = {
    enqueue(data) {
      if (running.has(data.syncId)) {
        if (data.trigger === 'webhook' || data.trigger === 'refresh') {
          const queued = again.get(data.syncId);
          again.set(data.syncId, { ...data, fullSweep: !!(data.fullSweep || queued?.fullSweep || data.trigger === 'refresh' || queued?.trigger === 'refresh') });
        }
        return false;
      }
      const abort = new AbortController();
      const promise = execute(data, abort)
        .catch((error) => console.error('[jobs] run crashed', error))
        .finally(() => {
          running.delete(data.syncId);
          const next = again.get(data.syncId);
          again.delete(data.syncId);
          if (next && !abort.signal.aborted) runner.enqueue(next);
        });
      running.set(data.syncId, { promise, abort });
      return true;
    },
    cancel(syncId) {
      again.delete(syncId);
      running.get(syncId)?.abort.abort();
    },
    isRunning: (syncId) => running.has(syncId),
    async idle() {
      while (running.size) await Promise.all([...running.values()].map((r) => r.promise));
    },
    stop() {
      if (timer) clearInterval(timer);
      if (bootTick) clearTimeout(bootTick);
      for (const r of running.values()) r.abort.abort();
    },
  };

  if (opts.hourly) {
    const tick = async () => {
      try {
        await resetStuckSyncs([...running.keys()]);
        await purgeUninstalledData();
        for (const s of await listSyncsForHourlyRun()) runner.enqueue({ ...s, trigger: 'hourly' });
      } catch (error) {
        console.error('[jobs] scheduler tick failed', error);
      }
    };
    timer = setInterval(tick, opts.tickMs ?? 60_000);
    timer.unref();
    bootTick = setTimeout(tick, 2_000);
    bootTick.unref();
  }
  return runner;
}

const g = globalThis as unknown as { __synclaneRunner?: Runner };

/** The process-wide runner (started lazily; instrumentation.ts starts it at boot in local mode). */
export function localRunner(): Runner {
  g.__synclaneRunner ??= createLocalRunner({ hourly: env().jobs.hourly, tickMs: env().jobs.schedulerTickMs });
  return g.__synclaneRunner;
}
