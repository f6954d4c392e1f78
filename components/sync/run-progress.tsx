'use client';
/** C13: the progress of a running sync — a bar with a total when the pillar knows one, an honest indeterminate bar otherwise. */
import { useI18n } from '../i18n';
import { hasKey, type PluralForms } from '@/lib/i18n';

export type RunView = { status: string; phase: string | null; done: number; total: number | null };
export type ProgressLabels = { phaseStarting: string; progress: PluralForms; progressOfTotal: string };

export function RunProgress({ run, labels }: { run: RunView; labels: ProgressLabels }) {
  const { t, format, plural } = useI18n();
  const phase = run.phase && hasKey(t.phases, run.phase) ? t.phases[run.phase] : labels.phaseStarting;
  const pct = Math.min(99, Math.round(((run.done || 0) / Math.max(run.total || run.done || 1, 1)) * 100));
  return (
    <div data-testid="progress">
      <div className={`progress${run.total ? '' : ' progress-indeterminate'}`} role="progressbar" aria-valuenow={run.total ? pct : undefined} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: run.total ? `${pct}%` : undefined }} />
      </div>
      <p className="muted mt-1 text-[12px]">
        {run.total ? format(labels.progressOfTotal, { phase, done: run.done, total: run.total }) : plural(run.done, labels.progress, { phase, done: run.done })}
      </p>
    </div>
  );
}
