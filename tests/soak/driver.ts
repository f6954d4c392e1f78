/**
 * The one seam between the soak and the run machinery: `runUntilQuiet(syncId)` runs one sync the way the
 * runtime does — the job body with the runner's retry policy (bounded attempts with backoff, rate-limit
 * waits that do not use an attempt, final errors recorded on the connection). Re-point this file when
 * the runtime moves; the soak itself only calls these functions.
 *
 * Time is compressed: waits (backoff, Retry-After) are capped at `maxWaitMs` so a soak cycle takes
 * milliseconds, not minutes. A simulated crash kills the job between two steps without any bookkeeping
 * (no failure recorded, the run row left `running`), and the next attempt starts a fresh job — what the
 * watchdog and the next trigger do in production.
 */
import { SyncError } from '@/lib/errors';
import { loadConnection } from '@/lib/sync/runtime/connections';
import type { RunRequest, Trigger } from '@/lib/sync/runtime/events';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { asSyncError, decideAfterError } from '@/lib/sync/runtime/retry-policy';
import type { StepTools } from '@/lib/sync/runtime/step';
import { pillarFor } from '@/lib/sync/registry';

export class SimulatedCrash extends Error {
  constructor(step: string) {
    super(`simulated crash after step ${step}`);
  }
}

export type RunOutcome = {
  status: 'succeeded' | 'paused' | 'skipped' | 'failed';
  attempts: number;
  crashes: number;
  rateLimitWaits: number;
  error?: SyncError;
};

export type RunOptions = {
  trigger?: Trigger;
  /** Crash the job right after its n-th completed step (1-based), once. */
  crashAfterStep?: number;
  maxWaitMs?: number;
  /** Run this request instead of the hourly one (e.g. a webhook's request with its hint); same connection. */
  request?: RunRequest;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one sync through the shared runtime (lib/sync/runtime) with the runners' retry policy, time compressed. */
export async function runUntilQuiet(syncId: string, opts: RunOptions = {}): Promise<RunOutcome> {
  const connection = await loadConnection(syncId);
  if (!connection) return { status: 'skipped', attempts: 0, crashes: 0, rateLimitWaits: 0 };
  const pillar = pillarFor(connection.kind);
  const request = opts.request ?? (await pillar.requestsFor([connection], opts.trigger ?? 'refresh'))[0];
  const maxWait = opts.maxWaitMs ?? 20;
  let crashPending = opts.crashAfterStep;
  let crashes = 0;
  let waits = 0;
  let attempts = 0;
  for (let attempt = 1; ; attempt++) {
    attempts++;
    let steps = 0;
    const step: StepTools = {
      async run(id, fn) {
        const out = await fn();
        steps++;
        if (crashPending !== undefined && steps >= crashPending) {
          crashPending = undefined;
          throw new SimulatedCrash(id);
        }
        return out;
      },
      // Rate-limit waits inside a run (the runtime's withRateLimitWaits), compressed.
      async sleep(_id, ms) {
        waits++;
        await sleep(Math.min(ms, maxWait));
      },
    };
    try {
      const r = await executeRun(pillar, step, { ...request!, trigger: attempt > 1 ? 'retry' : request!.trigger }, { attempt });
      return { status: r.status, attempts, crashes, rateLimitWaits: waits };
    } catch (error) {
      if (error instanceof SimulatedCrash) {
        crashes++;
        attempt--; // a crash is not a failed attempt: the process died, the next trigger resumes
        continue;
      }
      const decision = decideAfterError(error, { attempt, rateLimitWaits: waits });
      if (decision.kind === 'final') {
        const e = asSyncError(error);
        await recordRunFailure(request!, e);
        return { status: 'failed', attempts, crashes, rateLimitWaits: waits, error: e };
      }
      if (decision.kind === 'wait') {
        waits++;
        attempt--;
      }
      await sleep(Math.min(decision.ms, maxWait));
    }
  }
}

/**
 * A soak cycle's "faults off" phase (B10 nothing wedges): fault-free runs, answering the connection's prompts
 * as a user would, until one succeeds and `check` finds nothing — at most `maxRuns`. A connection still
 * failing after that is `wedged`. Returns the last check's violations and how many runs it took.
 */
export async function runsUntilQuiet<K extends string>(o: {
  cycle: number;
  maxRuns: number;
  run: () => Promise<RunOutcome>;
  answerPrompts: () => Promise<void>;
  check: (cycle: number) => { cycle: number; kind: K | 'wedged'; detail: string }[] | Promise<{ cycle: number; kind: K | 'wedged'; detail: string }[]>;
  trace?: (line: string) => void;
  /** Told about each run that did not settle yet (not after the last one). */
  notSettled?: (run: number, outcome: RunOutcome, violations: { kind: string; detail: string }[]) => void;
}): Promise<{ violations: { cycle: number; kind: K | 'wedged'; detail: string }[]; runs: number }> {
  let lastFailure: RunOutcome | null = null;
  let violations: { cycle: number; kind: K | 'wedged'; detail: string }[] = [];
  let k = 0;
  for (let quiet = false; k < o.maxRuns && !quiet; ) {
    k++;
    await o.answerPrompts();
    const r = await o.run();
    await o.answerPrompts();
    o.trace?.(`  quiet run ${k}: ${r.status} ${r.error?.code ?? ''} ${r.error?.message ?? ''}`);
    lastFailure = r.status === 'failed' ? r : null;
    violations = await o.check(o.cycle);
    quiet = r.status === 'succeeded' && violations.length === 0;
    if (!quiet && k < o.maxRuns) o.notSettled?.(k, r, violations);
  }
  if (lastFailure) violations.unshift({ cycle: o.cycle, kind: 'wedged', detail: `still failing after ${o.maxRuns} fault-free runs: ${lastFailure.error?.code} ${lastFailure.error?.message}` });
  return { violations, runs: k };
}
