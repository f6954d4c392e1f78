/**
 * In-process job runner, used when no Inngest server is configured (the sandbox default). It runs the
 * same pillar bodies as Inngest with a step shim: an hourly scheduler over every pillar, a request queue,
 * one run per connection at a time (skip semantics, like Inngest `singleton`), retries decided by the
 * runtime's retry policy, and run state in the database. Honest limits: single process, at-least-once,
 * in-flight steps are not durable — a crash mid-run leaves the run to the watchdog, and the next run
 * resumes from the cursors the finished steps stored.
 */
import { env } from '@/lib/env';
import type { JobQueue } from '@/lib/jobs/queue';
import type { RunRequest } from '@/lib/sync/runtime/events';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { asSyncError, decideAfterError } from '@/lib/sync/runtime/retry-policy';
import { resetStuckRuns } from '@/lib/sync/runtime/connections';
import type { StepTools } from '@/lib/sync/runtime/step';
import { hourlyRunRequestPages, maintainPillars, pollRunRequests } from '@/lib/sync/schedule';
import { pillarFor } from '@/lib/sync/registry';
import { purgeUninstalledData } from '@/lib/installations';

export type Runner = {
  enqueue(request: RunRequest): boolean;
  /** Debounced enqueue: the run starts `windowMs` after the first request of a burst; later ones join it. */
  enqueueSoon(request: RunRequest, windowMs: number): void;
  cancel(connectionId: string): void;
  isRunning(connectionId: string): boolean;
  idle(): Promise<void>;
  stop(): void;
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** How often the in-process runner asks providers without push (B1) whether something changed. */
export const LOCAL_POLL_TICK_MS = 2_000;

export function createLocalRunner(opts: { hourly?: boolean; tickMs?: number; backoffMs?: number; poll?: boolean; pollMs?: number } = {}): Runner {
  const running = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  // Asked again while running (Refresh, a webhook): run once more afterwards so that change is not missed.
  const again = new Map<string, RunRequest>();
  let timer: NodeJS.Timeout | null = null;
  let bootTick: NodeJS.Timeout | null = null;
  let pollTimer: NodeJS.Timeout | null = null;
  const soon = new Map<string, NodeJS.Timeout>();

  async function execute(request: RunRequest, abort: AbortController) {
    const pillar = pillarFor(request.kind);
    const step: StepTools = { run: (_id, fn) => fn(), sleep: (_id, ms) => sleep(ms, abort.signal) };
    let rateLimitWaits = 0;
    for (let attempt = 1; ; attempt++) {
      if (abort.signal.aborted) return;
      try {
        await executeRun(pillar, step, { ...request, trigger: attempt > 1 ? 'retry' : request.trigger }, { signal: abort.signal, attempt });
        return;
      } catch (error) {
        const decision = decideAfterError(error, { attempt, rateLimitWaits, baseBackoffMs: opts.backoffMs });
        if (decision.kind === 'final' || abort.signal.aborted) {
          await recordRunFailure(request, asSyncError(error)).catch((err) => console.error('[jobs] could not record failure', err));
          return;
        }
        if (decision.kind === 'wait') {
          rateLimitWaits++;
          attempt--; // waiting out a rate limit spends no attempt; the next try resumes from the stored cursors
        }
        await sleep(decision.ms, abort.signal);
      }
    }
  }

  const runner: Runner = {
    enqueue(request) {
      if (running.has(request.connectionId)) {
        if (request.trigger === 'webhook' || request.trigger === 'refresh') {
          const queued = again.get(request.connectionId) as (RunRequest & { fullSweep?: boolean }) | undefined;
          const next = request as RunRequest & { fullSweep?: boolean };
          again.set(request.connectionId, { ...next, ...(next.fullSweep || queued?.fullSweep || next.trigger === 'refresh' || queued?.trigger === 'refresh' ? { fullSweep: true } : {}) } as RunRequest);
        }
        return false;
      }
      const abort = new AbortController();
      const promise = execute(request, abort)
        .catch((error) => console.error('[jobs] run crashed', error))
        .finally(() => {
          running.delete(request.connectionId);
          const next = again.get(request.connectionId);
          again.delete(request.connectionId);
          if (next && !abort.signal.aborted) runner.enqueue(next);
        });
      running.set(request.connectionId, { promise, abort });
      return true;
    },
    enqueueSoon(request, windowMs) {
      if (soon.has(request.connectionId)) return;
      const t = setTimeout(() => {
        soon.delete(request.connectionId);
        runner.enqueue(request);
      }, windowMs);
      t.unref();
      soon.set(request.connectionId, t);
    },
    cancel(connectionId) {
      again.delete(connectionId);
      clearTimeout(soon.get(connectionId));
      soon.delete(connectionId);
      running.get(connectionId)?.abort.abort();
    },
    isRunning: (connectionId) => running.has(connectionId),
    async idle() {
      while (running.size) await Promise.all([...running.values()].map((r) => r.promise));
    },
    stop() {
      if (timer) clearInterval(timer);
      if (bootTick) clearTimeout(bootTick);
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = null;
      for (const t of soon.values()) clearTimeout(t);
      soon.clear();
      for (const r of running.values()) r.abort.abort();
    },
  };

  if (opts.hourly) {
    const tick = async () => {
      try {
        await resetStuckRuns([...running.keys()]);
        await purgeUninstalledData();
        await maintainPillars();
        // Page by page: the scheduler never holds every due connection at once.
        for await (const page of hourlyRunRequestPages()) for (const r of page) runner.enqueue(r);
      } catch (error) {
        console.error('[jobs] scheduler tick failed', error);
      }
    };
    timer = setInterval(tick, opts.tickMs ?? 60_000);
    timer.unref();
    bootTick = setTimeout(tick, 2_000);
    bootTick.unref();
  }
  if (opts.poll) {
    // B1: a chain of timeouts (not an interval), so a slow tick never overlaps the next one.
    const pollTick = async () => {
      try {
        for (const r of await pollRunRequests()) runner.enqueue(r);
      } catch (error) {
        console.error('[jobs] poll tick failed', error);
      }
      if (pollTimer) {
        pollTimer = setTimeout(pollTick, opts.pollMs ?? LOCAL_POLL_TICK_MS);
        pollTimer.unref();
      }
    };
    pollTimer = setTimeout(pollTick, opts.pollMs ?? LOCAL_POLL_TICK_MS);
    pollTimer.unref();
  }
  return runner;
}

const g = globalThis as unknown as { __synclaneRunner?: Runner };

/** The process-wide runner (started lazily; the boot registers it as the job queue in local mode). */
export function localRunner(): Runner {
  // The background scheduler (hourly tick, B1 polls) runs where hourly runs are enabled (not in tests).
  g.__synclaneRunner ??= createLocalRunner({ hourly: env().jobs.hourly, tickMs: env().jobs.schedulerTickMs, poll: env().jobs.hourly });
  return g.__synclaneRunner;
}

/** The job-queue port on top of a local runner. */
export function localQueue(runner: () => Runner = localRunner): JobQueue {
  return {
    async request(requests) {
      for (const r of requests) runner().enqueue(r);
    },
    async requestSoon(request, windowMs) {
      runner().enqueueSoon(request, windowMs);
    },
    async cancel(ids) {
      for (const id of ids) runner().cancel(id);
    },
    async cancelUser(_crmUserId, ids) {
      for (const id of ids) runner().cancel(id);
    },
  };
}
