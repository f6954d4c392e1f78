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
import { RetryLaterError, type ContactSyncEventData, type StepTools } from '@/lib/jobs/step';
import { SyncError, toSyncError } from '@/lib/errors';
import { recordRunFailure, runContactSyncJob } from '@/lib/sync/contacts/run';

/** Mirrors the local runner (inngest/local-runner.ts). */
const MAX_ATTEMPTS = 4;
const MAX_RATE_LIMIT_WAITS = 30;

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
  trigger?: ContactSyncEventData['trigger'];
  /** Crash the job right after its n-th completed step (1-based), once. */
  crashAfterStep?: number;
  maxWaitMs?: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runUntilQuiet(syncId: string, opts: RunOptions = {}): Promise<RunOutcome> {
  const data: ContactSyncEventData = { syncId, installationId: '', provider: 'google', trigger: opts.trigger ?? 'refresh' };
  const maxWait = opts.maxWaitMs ?? 20;
  let crashPending = opts.crashAfterStep;
  let crashes = 0;
  let waits = 0;
  let attempts = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    attempts++;
    let steps = 0;
    // The job body converts what it catches into a SyncError, so the crash is remembered here, not by type.
    let crashed = false;
    const step: StepTools = {
      async run(id, fn) {
        const out = await fn();
        steps++;
        if (crashPending !== undefined && steps >= crashPending) {
          crashPending = undefined;
          crashed = true;
          throw new SimulatedCrash(id);
        }
        return out;
      },
    };
    try {
      const r = await runContactSyncJob(step, { ...data, trigger: attempt > 1 ? 'retry' : data.trigger }, { attempt });
      return { status: r.status === 'skipped' ? 'skipped' : r.status, attempts, crashes, rateLimitWaits: waits };
    } catch (error) {
      if (crashed || error instanceof SimulatedCrash) {
        crashes++;
        attempt--; // a crash is not a failed attempt: the process died, the next trigger resumes
        continue;
      }
      const e = error instanceof RetryLaterError ? error : toSyncError(error);
      const rateLimited = e instanceof RetryLaterError || (e instanceof SyncError && e.code === 'rate_limited');
      if (rateLimited && waits < MAX_RATE_LIMIT_WAITS) {
        waits++;
        attempt--;
      }
      const final =
        (!rateLimited && attempt >= MAX_ATTEMPTS) ||
        (rateLimited && waits >= MAX_RATE_LIMIT_WAITS) ||
        (e instanceof SyncError && (e.action === 'reconnect' || e.action === 'stop' || e.action === 'skip'));
      if (final) {
        await recordRunFailure(data, e);
        const err = e instanceof RetryLaterError ? new SyncError('rate_limited', e.message, { retryAfterMs: e.retryAfterMs }) : e;
        return { status: 'failed', attempts, crashes, rateLimitWaits: waits, error: err };
      }
      const wanted = e instanceof RetryLaterError ? e.retryAfterMs : e instanceof SyncError && e.options.retryAfterMs ? e.options.retryAfterMs : 2 ** attempt;
      await sleep(Math.min(wanted, maxWait));
    }
  }
  return { status: 'failed', attempts, crashes, rateLimitWaits: waits };
}
