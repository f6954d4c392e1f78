'use client';
/** The head of a connection's dashboard: what syncs with what, its status badge, and Refresh (C14, C15). */
import { hasKey } from '@/lib/i18n';
import { useI18n } from '../i18n';

const STATUS_CLASS: Record<string, string> = { active: 'badge-ok', paused_deletes: 'badge-warn', needs_reconnect: 'badge-err', error: 'badge-err' };

export type StatusLabels = { status: Record<string, string>; syncing: string; starting: string; refresh: string };

export function StatusHeader(props: {
  title: React.ReactNode;
  subtitle?: React.ReactNode;
  status: string;
  running: boolean;
  busy: boolean;
  /** Without it there is no Refresh button (e.g. a sync this user can see but not run). */
  onRefresh?: () => void;
  labels: StatusLabels;
}) {
  const { labels: l } = props;
  const label = hasKey(l.status, props.status) ? l.status[props.status] : props.status;
  return (
    <div className="flex flex-wrap items-center justify-between gap-2">
      <div>
        <span className="font-semibold">{props.title}</span>{' '}
        <span className={`badge ${STATUS_CLASS[props.status] ?? ''}`} data-testid="sync-status">
          {props.running ? l.syncing : label}
        </span>
        {props.subtitle ? <p className="muted text-[12px]">{props.subtitle}</p> : null}
      </div>
      {props.onRefresh ? (
        <button className="btn" onClick={props.onRefresh} disabled={props.busy || props.running || props.status !== 'active'} data-testid="refresh">
          {props.running ? l.syncing : props.busy ? l.starting : l.refresh}
        </button>
      ) : null}
    </div>
  );
}

export function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  const { number } = useI18n();
  return (
    <div className="rounded-md p-2" style={{ background: 'var(--surface-2)' }}>
      <dt className="muted text-[12px]">{label}</dt>
      <dd className="text-base font-semibold" data-testid={testId}>
        {number(value)}
      </dd>
    </div>
  );
}
