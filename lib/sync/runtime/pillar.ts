/**
 * What a pillar (contacts, files, signatures) plugs into the runtime: its kind, a zod schema for its run
 * requests, its run body, which runs are due hourly or after a CRM change, and its card on the settings
 * page. The Inngest functions and the in-process runner are generated from the registry of pillars.
 */
import type { z } from 'zod';
import type { Tenant } from '@/lib/tenant';
import type { Connection } from './connections';
import type { PendingDeletes } from './connections';
import type { RunRequest, Trigger } from './events';
import type { Phase } from './reasons';
import type { RunCounts } from './runs';
import type { StepTools } from './step';

export type RunContext<E extends RunRequest> = {
  request: E;
  runId: string;
  /** Steps with rate-limit waits built in (a wait spends no retry attempt). */
  step: StepTools;
  attempt: number;
  signal?: AbortSignal;
  /** Adds a page's progress; call it inside the step that did the work. */
  progress(done: number, counts: Partial<RunCounts>, phase: Phase): Promise<void>;
  setTotal(total: number | null): Promise<void>;
  /** Throws when the run was cancelled or the connection stopped (unlink, uninstall). */
  assertActive(): Promise<void>;
  /** B3: stop before deleting and ask the user; the run ends `paused`. */
  pauseForDeletes(pending: PendingDeletes): Promise<void>;
  /** Tells the watchdog a long step is still alive. */
  heartbeat(): Promise<void>;
};

export type RunOutcome = { status: 'succeeded' | 'paused' };

export type IntegrationCard = {
  id: string;
  available: boolean;
  state: 'not_connected' | 'connected' | 'needs_reconnect' | 'unavailable';
  /** Linked account e-mails and started connections (the page words and translates them). */
  accounts?: string[];
  activeSyncs?: number;
  /** Of those, how many are queued or running right now (an idle sync is not "running"). */
  runningSyncs?: number;
};

/** A CRM record changed (webhook delivery): the pillar decides which of the user's connections should run. */
export type CrmChange = { crm: 'pipedrive' | 'teamleader'; crmUserId: string; installationId: string; entity: string; action: string; recordId: string | null };

export type Pillar<E extends RunRequest = RunRequest> = {
  kind: string;
  event: z.ZodType<E>;
  /** Per-vendor throttle under Inngest (keyed by the request's throttleKey). */
  throttle: { limit: number; period: '1m' | '1h'; burst?: number };
  run(ctx: RunContext<E>): Promise<RunOutcome>;
  /** Run requests for these due connections of this kind (one query for all of them). */
  requestsFor(connections: Pick<Connection, 'id' | 'installationId' | 'crmUserId'>[], trigger: Trigger): Promise<E[]>;
  describe(tenant: Tenant): Promise<IntegrationCard>;
  onCrmChange?(change: CrmChange): Promise<E[]>;
  /**
   * Providers without push (B1): one cheap check per due connection, on the pillar's own cadence; returns
   * runs for those that changed. Called every few seconds by both runners (the local tick, an Inngest cron).
   */
  poll?(at: Date): Promise<E[]>;
  /** Hourly upkeep (housekeeping): renew push subscriptions before they expire, retry failed ones, drop stale ones. */
  maintain?(at: Date): Promise<void>;
};
