/**
 * The tiny step interface sync code is written against (reference/stack-probe.md §3.4). Inngest passes
 * its real `step`; the in-process runner passes a shim that simply runs each step. Steps must return
 * small JSON (ids, counts, cursors), never record arrays: Inngest memoizes them (4 MB/step, 1000 steps/run).
 */
export type StepTools = {
  run<T>(id: string, fn: () => Promise<T>): Promise<T>;
};

/** Thrown when the remote asked us to wait; Inngest maps it to RetryAfterError, the local runner sleeps. */
export class RetryLaterError extends Error {
  constructor(message: string, public retryAfterMs: number) {
    super(message);
  }
}

export type ContactSyncEventData = {
  syncId: string;
  installationId: string;
  provider: 'google' | 'microsoft';
  trigger: 'start' | 'refresh' | 'hourly' | 'webhook' | 'retry' | 'confirm';
  runId?: string;
  /** Ask for a complete CRM listing (e.g. a CRM delete event): deletes are only inferred from one. */
  fullSweep?: boolean;
};

export const EVENTS = {
  syncRequested: 'contacts/sync.requested',
  syncCancelled: 'contacts/sync.cancelled',
  userUninstalled: 'crm/user.uninstalled',
} as const;
