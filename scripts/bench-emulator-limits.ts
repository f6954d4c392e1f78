/**
 * The emulators' limits as the benchmarks set and describe them. Sandbox-only (no app code), so the sandbox
 * process of scripts/bench-sandbox-process.ts can run it next to the emulators.
 */
import type { Sandbox } from '../sandbox/server';
import { REAL_LIMITS } from '../sandbox/lib/real-limits';
import { burstLimit } from '../sandbox/pipedrive/plans';

/** Pipedrive's allowed request rate for the token (burst limit ÷ window) as the emulator applies it. */
export function pipedriveAllowedPerSecond(sandbox: Sandbox, world: { realLimits: boolean }, companyId?: number): number {
  const s = sandbox.pipedrive.summary().settings as { burstLimit?: number | null; burstWindowMs?: number };
  const windowS = (s.burstWindowMs ?? 2000) / 1000;
  // With raised limits the emulator allows anything; the rate that matters is the real one of the company's
  // plan (OAuth burst per 2 s: Lite 80, Growth 160 …), which the emulator applies when no override is set.
  const company = companyId !== undefined ? sandbox.pipedrive.companies().find((c) => c.id === companyId) : undefined;
  const planLimit = company ? burstLimit(company.plan) : 80;
  if (!world.realLimits || !s.burstLimit) return planLimit / windowS;
  return s.burstLimit / windowS;
}

/** Teamleader requests allowed per second (200 per sliding 60 s per integration per account; the emulator's setting). */
export function teamleaderAllowedPerSecond(sandbox: Sandbox): number {
  const c = sandbox.teamleader.config();
  return c.rateLimitPerMinute / c.rateLimitWindowSeconds;
}

/** A CRM's allowed request rate and the window it is counted over (seconds). */
export function crmAllowance(sandbox: Sandbox, crm: 'pipedrive' | 'teamleader', world: { realLimits: boolean }, companyId?: number): { perSecond: number; windowSeconds: number } {
  if (crm === 'teamleader') return { perSecond: teamleaderAllowedPerSecond(sandbox), windowSeconds: sandbox.teamleader.config().rateLimitWindowSeconds };
  const s = sandbox.pipedrive.summary().settings as { burstWindowMs?: number };
  return { perSecond: pipedriveAllowedPerSecond(sandbox, world, companyId), windowSeconds: (s.burstWindowMs ?? 2000) / 1000 };
}

/** Google People write calls allowed per second per user under the real default quota. */
export const googleWriteCallsPerSecond = () => REAL_LIMITS.google.writeQuotaPerMinute / 60;

/** Describes the real limits in force (printed instead of the raised ones). */
export function realLimitsInForce(sandbox: Sandbox): string[] {
  const g = sandbox.google.config();
  const m = sandbox.microsoft.config();
  const pd = sandbox.pipedrive.summary().settings as { burstLimit?: number; burstWindowMs?: number };
  return [
    `Google People API: ${g.readQuotaPerMinute} reads + ${g.writeQuotaPerMinute} writes per minute per user`,
    `Microsoft Graph: ${m.requestsPer10Min} requests per 10 min, ${m.maxConcurrent} concurrent per mailbox`,
    `Pipedrive: burst ${pd.burstLimit ?? "per the company's plan (Growth: 160)"} per ${pd.burstWindowMs ?? '?'} ms per token`,
    `Teamleader: ${sandbox.teamleader.config().rateLimitPerMinute} per sliding ${sandbox.teamleader.config().rateLimitWindowSeconds} s per integration and account`,
  ];
}

/**
 * Raises every emulator limit that would otherwise throttle the run, so the numbers measure our code
 * and not the emulated quotas. Returns a human-readable list of what was raised (printed + documented).
 */
export function raiseEmulatorLimits(sandbox: Sandbox): string[] {
  const BIG = 1_000_000_000;
  const before = { g: sandbox.google.config(), m: sandbox.microsoft.config(), t: sandbox.teamleader.config() };
  const pdBefore = { ...sandbox.pipedrive.summary().settings };
  sandbox.google.config({ readQuotaPerMinute: BIG, writeQuotaPerMinute: BIG });
  sandbox.microsoft.config({ requestsPer10Min: BIG, maxConcurrent: 1_000 });
  sandbox.pipedrive.config({ burstLimit: BIG, dailyTokenBudget: BIG });
  sandbox.teamleader.config({ rateLimitPerMinute: BIG });
  return [
    `Google People API: readQuotaPerMinute ${before.g.readQuotaPerMinute} → ${BIG}, writeQuotaPerMinute ${before.g.writeQuotaPerMinute} → ${BIG} (per account)`,
    `Microsoft Graph: requestsPer10Min ${before.m.requestsPer10Min} → ${BIG}, maxConcurrent ${before.m.maxConcurrent} → 1000 (per mailbox)`,
    `Pipedrive: burstLimit ${pdBefore.burstLimit} per ${pdBefore.burstWindowMs} ms → ${BIG} per ${pdBefore.burstWindowMs} ms (per token); daily token budget → ${BIG}`,
    `Teamleader: ${before.t.rateLimitPerMinute} per ${before.t.rateLimitWindowSeconds} s → ${BIG} (per integration and account)`,
  ];
}
