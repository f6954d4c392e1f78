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
import { hourlyRunRequests } from '@/lib/sync/schedule';
import { pillarFor } from '@/lib/sync/registry';
import { purgeUninstalledData } from '@/lib/installations';

export type Runner = {
  enqueue(request: RunRequest): boolean;
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

export function createLocalRunner(opts: { hourly?: boolean; tickMs?: number; backoffMs?: number } = {}): Runner {
  const running = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  // Asked again while running (Refresh, a webhook): run once more afterwards so that change is not missed.
  const again = new Map<string, RunRequest>();
  let timer: NodeJS.Timeout | null = null;
  let bootTick: NodeJS.Timeout | null = null;

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
    cancel(connectionId) {
      again.delete(connectionId);
      running.get(connectionId)?.abort.abort();
    },
    isRunning: (connectionId) => running.has(connectionId),
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
        await resetStuckRuns([...running.keys()]);
        await purgeUninstalledData();
        for (const r of await hourlyRunRequests()) runner.enqueue(r);
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

/** The process-wide runner (started lazily; the boot registers it as the job queue in local mode). */
export function localRunner(): Runner {
  g.__synclaneRunner ??= createLocalRunner({ hourly: env().jobs.hourly, tickMs: env().jobs.schedulerTickMs });
  return g.__synclaneRunner;
}

/** The job-queue port on top of a local runner. */
export function localQueue(runner: () => Runner = localRunner): JobQueue {
  return {
    async request(requests) {
      for (const r of requests) runner().enqueue(r);
    },
    async cancel(ids) {
      for (const id of ids) runner().cancel(id);
    },
    async cancelUser(_crmUserId, ids) {
      for (const id of ids) runner().cancel(id);
    },
  };
}
