'use client';
/** B4 "Why not synced?": every skipped record with its reason and a link to fix it. */
import { useI18n } from '../i18n';
import type { PluralForms } from '@/lib/i18n';
import { useReasonText, type ReasonView } from './reason-text';

export type SkippedView = ReasonView & { id?: string; label: string; url: string | null };

export function SkippedList({
  count,
  items,
  title,
  retryLabel,
  onRetry,
}: {
  count: number;
  items: SkippedView[];
  title: PluralForms;
  retryLabel?: string;
  /** B4: re-evaluates this one record now (after the user fixed it). */
  onRetry?: (id: string) => Promise<void>;
}) {
  const { plural } = useI18n();
  const reasonText = useReasonText();
  if (!items.length) return null;
  return (
    <details data-testid="skipped-list">
      <summary className="cursor-pointer text-[13px] font-semibold">{plural(count, title)}</summary>
      <ul className="mt-1 space-y-0.5 text-[13px]">
        {items.map((s, i) => (
          <li key={i}>
            {s.url ? (
              <a href={s.url} target="_blank" rel="noreferrer">
                {s.label}
              </a>
            ) : (
              s.label
            )}{' '}
            <span className="muted">— {reasonText(s)}</span>
            {onRetry && s.id && retryLabel ? (
              <>
                {' '}
                <button className="btn text-[12px]" data-testid="retry-skipped" onClick={() => void onRetry(s.id!)}>
                  {retryLabel}
                </button>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </details>
  );
}
