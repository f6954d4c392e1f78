'use client';
/** Reason codes (lib/sync/runtime/reasons.ts) in the user's language, with their parameters and free detail. */
import { useI18n } from '../i18n';
import { hasKey } from '@/lib/i18n';

export type ReasonView = { reasonCode?: string | null; reason?: string | null; params?: Record<string, string> | null };

export function useReasonText() {
  const { t, format } = useI18n();
  return ({ reasonCode, reason, params }: ReasonView): string => {
    if (!reasonCode || !hasKey(t.reasons, reasonCode)) return reason ?? '';
    const words = t.reasonWords;
    const p = { ...(params ?? {}) };
    // Conflict reasons name the winning side and the policy; both are words of the catalogue.
    if (p.winner === 'crm' || p.winner === 'provider') p.winner = words[p.winner];
    if (p.policy) p.policy = p.policy === 'crm' ? words.crmPolicy : p.policy === 'provider' ? words.providerPolicy : words.newest;
    const text = format(t.reasons[reasonCode], p);
    return reason ? `${text} (${reason})` : text;
  };
}
