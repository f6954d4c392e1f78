/**
 * What a Pipedrive plan allows: visibility levels (reference §3.5, PRODUCT C7) and custom-field caps
 * (reference §3.4; the mapping of current plan names onto the old caps is UNCONFIRMED).
 */
import type { Company, PlanName } from './types';

export type VisibilityOption = { id: string; label: string };

const TWO_LEVEL: VisibilityOption[] = [
  { id: '1', label: 'Owner & followers' },
  { id: '3', label: 'Entire company' },
];

const FOUR_LEVEL: VisibilityOption[] = [
  { id: '1', label: 'Owner only' },
  { id: '3', label: "Owner's visibility group" },
  { id: '5', label: "Owner's visibility group and sub-groups" },
  { id: '7', label: 'Entire company' },
];

const TWO_LEVEL_PLANS: PlanName[] = ['lite', 'growth', 'essential', 'advanced'];

const CUSTOM_FIELD_CAPS: Record<PlanName, number> = {
  lite: 30,
  essential: 30,
  growth: 100,
  advanced: 100,
  premium: 300,
  professional: 300,
  ultimate: 500,
  power: 500,
  enterprise: Number.POSITIVE_INFINITY,
};

export const PLAN_NAMES = Object.keys(CUSTOM_FIELD_CAPS) as PlanName[];

export function isPlanName(value: unknown): value is PlanName {
  return typeof value === 'string' && (PLAN_NAMES as string[]).includes(value);
}

export function visibilityOptions(plan: PlanName): VisibilityOption[] {
  return TWO_LEVEL_PLANS.includes(plan) ? TWO_LEVEL : FOUR_LEVEL;
}

export function allowedVisibility(plan: PlanName): number[] {
  return visibilityOptions(plan).map((o) => Number(o.id));
}

/** Default `visible_to` when a create omits it: the widest level (role default, UNCONFIRMED). */
export function defaultVisibility(plan: PlanName): number {
  const values = allowedVisibility(plan);
  return values[values.length - 1];
}

/** Items with the narrowest level are visible only to their owner (followers are not emulated) and admins. */
export function isOwnerOnly(plan: PlanName, visibleTo: number): boolean {
  return visibleTo === allowedVisibility(plan)[0];
}

/**
 * Burst limit for OAuth access tokens per rolling 2 s window (reference §3.9; Pipedrive's rate-limiting
 * page lists Essential 80, Advanced 160, Professional 320, Power 400, Enterprise 480; current names
 * Lite 80, Growth 160, Premium 400, Ultimate 480).
 */
const OAUTH_BURST_LIMITS: Record<PlanName, number> = {
  lite: 80,
  essential: 80,
  growth: 160,
  advanced: 160,
  professional: 320,
  premium: 400,
  power: 400,
  ultimate: 480,
  enterprise: 480,
};

export function burstLimit(plan: PlanName): number {
  return OAUTH_BURST_LIMITS[plan];
}

export function customFieldCap(company: Company): number {
  return company.customFieldLimit ?? CUSTOM_FIELD_CAPS[company.plan];
}
