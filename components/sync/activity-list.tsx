'use client';
/** Recent per-record activity of a connection (C14): what happened, where, when and why (a translated reason). */
import { useI18n } from '../i18n';
import { hasKey } from '@/lib/i18n';
import { useReasonText, type ReasonView } from './reason-text';

export type ActivityView = ReasonView & { at: string; action: string; side: string; label: string; url: string | null };
export type ActivityLabels = { recentTitle: string; action: Record<string, string>; activityPlace: string };

export function ActivityList({ items, placeOf, labels }: { items: ActivityView[]; placeOf: (side: string) => string; labels: ActivityLabels }) {
  const { format, date: when } = useI18n();
  const reasonText = useReasonText();
  if (!items.length) return null;
  return (
    <details open data-testid="recent-activity">
      <summary className="cursor-pointer text-[13px] font-semibold">{labels.recentTitle}</summary>
      <ul className="mt-1 space-y-0.5 text-[13px]">
        {items.slice(0, 12).map((a, i) => {
          const why = reasonText(a);
          return (
            <li key={i}>
              <span className={`badge ${a.action === 'deleted' ? 'badge-err' : a.action === 'conflict' ? 'badge-warn' : 'badge-ok'}`}>{hasKey(labels.action, a.action) ? labels.action[a.action] : a.action}</span>{' '}
              {a.url ? (
                <a href={a.url} target="_blank" rel="noreferrer">
                  {a.label}
                </a>
              ) : (
                a.label
              )}{' '}
              <span className="muted">
                {format(labels.activityPlace, { place: placeOf(a.side), when: when(a.at) })}
                {why ? ` · ${why}` : ''}
              </span>
            </li>
          );
        })}
      </ul>
    </details>
  );
}
