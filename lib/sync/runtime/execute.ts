/**
 * Runs one pillar's run body inside the shared bookkeeping: begin (skip when the connection is not
 * runnable; open or continue the run row; stage → running), the body, finish (run row + connection
 * transitions). Failures are recorded by `recordRunFailure`, called by the runner once the retry policy
 * says the failure is final.
 */
import { SyncError } from '@/lib/errors';
import { loadConnection, markRunFailed, markRunning, markRunSucceeded, pauseForDeletes, touchRunning } from './connections';
import type { RunRequest } from './events';
import { addRunProgress, closeRun, failOpenRun, openRun, setRunTotal } from './runs';
import { asSyncError, MAX_RATE_LIMIT_WAITS, rateLimitWait, runStatusForError } from './retry-policy';
import type { Pillar, RunContext } from './pillar';
import type { JobOptions, StepTools } from './step';


export type RunResult = { status: 'succeeded' | 'paused' | 'skipped'; runId?: string; reason?: string; counts?: unknown };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Steps that wait out rate limits: the step returns "wait N ms" instead of failing, the runtime sleeps
 * (durably under Inngest) and runs the step again under a new id. Steps are written to be re-runnable.
 */
export function withRateLimitWaits(step: StepTools, signal?: AbortSignal): StepTools {
  return {
    async run<T>(id: string, fn: () => Promise<T>): Promise<T> {
      for (let waits = 0; ; waits++) {
        const r = (await step.run(waits ? `${id}~${waits}` : id, async () => {
          try {
            return { ok: true as const, value: await fn() };
          } catch (error) {
            const ms = rateLimitWait(error);
            if (ms !== null && waits < MAX_RATE_LIMIT_WAITS) return { ok: false as const, waitMs: ms };
            throw error;
          }
        })) as { ok: true; value: T } | { ok: false; waitMs: number };
        if (r.ok) return r.value;
        if (step.sleep) await step.sleep(`${id}~wait-${waits}`, r.waitMs);
        else await sleep(r.waitMs, signal);
        if (signal?.aborted) throw new SyncError('uninstalled', 'The run was cancelled.');
      }
    },
    sleep: step.sleep?.bind(step),
  };
}

export async function executeRun<E extends RunRequest>(pillar: Pillar<E>, step: StepTools, raw: unknown, opts: JobOptions = {}): Promise<RunResult> {
  const parsed = pillar.event.safeParse(raw);
  if (!parsed.success) throw new SyncError('validation', `Invalid ${pillar.kind} run request: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
  const request = parsed.data;
  const attempt = opts.attempt ?? 1;

  const begin = await step.run('begin', async () => {
    const c = await loadConnection(request.connectionId);
    if (!c) return { runId: null, reason: 'connection_deleted' };
    if (!c.startedAt || c.status === 'disabled' || c.status === 'draft') return { runId: null, reason: `connection_${c.status}` };
    if (c.status === 'paused_deletes' && request.trigger !== 'confirm') return { runId: null, reason: 'waiting_for_deletes' };
    if (c.status === 'needs_reconnect') return { runId: null, reason: 'needs_reconnect' };
    const runId = await openRun({ connectionId: c.id, installationId: c.installationId, kind: c.kind, trigger: request.trigger, attempt, runId: request.runId });
    await markRunning(c.id);
    return { runId, reason: null };
  });
  if (!begin.runId) return { status: 'skipped', reason: begin.reason ?? undefined };
  const runId = begin.runId;

  const ctx: RunContext<E> = {
    request,
    runId,
    step: withRateLimitWaits(step, opts.signal),
    attempt,
    signal: opts.signal,
    progress: (done, counts, phase) => addRunProgress(runId, done, counts, phase),
    setTotal: (total) => setRunTotal(runId, total),
    async assertActive() {
      if (opts.signal?.aborted) throw new SyncError('uninstalled', 'The run was cancelled.');
      const c = await loadConnection(request.connectionId);
      if (!c || c.status === 'disabled') throw new SyncError('uninstalled', 'The connection was disconnected or the app uninstalled.');
    },
    pauseForDeletes: (pending) => pauseForDeletes(request.connectionId, pending),
    heartbeat: () => touchRunning(request.connectionId),
  };
  const outcome = await pillar.run(ctx);
  return step.run('finish', async () => {
    const run = await closeRun(runId, outcome.status);
    await markRunSucceeded(request.connectionId, outcome.status);
    return { status: outcome.status, runId, counts: run?.counts };
  });
}

/** Records a run that failed for good: the run row and the connection's state machine (policy decides the status). */
export async function recordRunFailure(request: Pick<RunRequest, 'connectionId'>, error: unknown): Promise<void> {
  const e = asSyncError(error);
  await failOpenRun(request.connectionId, runStatusForError(e.code), e.code, e.message);
  if (e.code !== 'uninstalled') await markRunFailed(request.connectionId, e.code, e.message);
}
