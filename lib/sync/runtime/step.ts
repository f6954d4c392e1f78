/**
 * The tiny step interface sync bodies are written against (reference/stack-probe.md §3.4). Inngest passes
 * its real `step`; the in-process runner passes a shim that runs each step at once. Steps must return small
 * JSON (ids, counts, cursors), never record arrays: Inngest memoizes them (4 MB/step, 1,000 steps/run).
 */
export type StepTools = {
  run<T>(id: string, fn: () => Promise<T>): Promise<T>;
  /** Durable sleep (Inngest `step.sleep`); the in-process shim sleeps in memory and wakes on cancel. */
  sleep?(id: string, ms: number): Promise<void>;
};

/** Thrown when the remote asked us to wait; the runtime waits without spending a retry attempt. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    public retryAfterMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

export type JobOptions = { signal?: AbortSignal; attempt?: number };
