/**
 * What a run request carries, for every pillar. Each pillar extends `ZRunRequest` with its own fields; the
 * Inngest functions and the in-process runner validate every payload with the pillar's schema before running.
 */
import { z } from 'zod';

export const TRIGGERS = ['start', 'refresh', 'hourly', 'webhook', 'retry', 'confirm'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const ZRunRequest = z.object({
  kind: z.string().min(1).max(40),
  connectionId: z.uuid(),
  installationId: z.uuid(),
  crmUserId: z.uuid(),
  trigger: z.enum(TRIGGERS),
  /** Runs of the same vendor share a throttle (Inngest `throttle.key`). */
  throttleKey: z.string().min(1).max(100),
  /** Continue this run row (a retry) instead of opening a new one. */
  runId: z.uuid().optional(),
});
export type RunRequest = z.infer<typeof ZRunRequest>;

/** Inngest event names (`domain/noun.verb`). */
export const EVENTS = {
  runRequested: (kind: string) => `${kind}/sync.requested`,
  connectionCancelled: 'sync/connection.cancelled',
  userUninstalled: 'crm/user.uninstalled',
} as const;
