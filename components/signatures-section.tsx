'use client';
/**
 * The Dropbox Sign archive inside the CRM (S1–S3, B4, B7): link Dropbox Sign (popup), whether a Dropbox is
 * linked (the Files card links it), activate, the dashboard on the shared shell (archived, waiting, not archived
 * with the reason), Refresh and unlink.
 */
import { useCallback, useEffect, useState } from 'react';
import { useSectionData } from './sync/use-section-data';
import { useBridge, ApiError } from './crm-bridge';
import { useI18n } from './i18n';
import { Notice } from './sync/notice';
import { Stat, StatusHeader } from './sync/status-header';
import { ActivityList, type ActivityView } from './sync/activity-list';
import { SkippedList, type SkippedView } from './sync/skipped-list';

type Account = { id: string; email: string; status: string } | null;
type Problem = { id: string; title: string; requestId: string; code: string | null; detail: string | null; attachState: string | null };
type ActivityRow = { at: string; action: string; side: string; label: string; reasonCode: string | null; reason: string | null; detail: Record<string, unknown> | null };
type Overview = {
  sign: Account;
  dropbox: Account;
  archive: null | {
    id: string;
    status: string;
    stage: string;
    activatedAt: string;
    counts: Partial<Record<'waiting' | 'archived' | 'failed', number>>;
    problems: Problem[];
    activity: ActivityRow[];
  };
};

/** Why a document is not (fully) archived: its attach state says more than its last error code. */
function problemCode(p: Problem): string | null {
  if (p.attachState === 'ambiguous') return 'signatures.ambiguous_record';
  if (p.attachState === 'no_record') return 'signatures.no_crm_record';
  if (p.attachState === 'failed') return 'signatures.attach_failed';
  return p.code;
}

const isRunning = (o: Overview) => !!o.archive && o.archive.stage !== 'idle';

export function SignaturesSection({ onChanged }: { crm: 'pipedrive' | 'teamleader'; onChanged?: () => void }) {
  const bridge = useBridge();
  const { t, format, date } = useI18n();
  const s = t.signatures;
  const d = t.contacts.dashboard;
  const { data: overview, error, setError, load } = useSectionData<Overview>('/api/embedded/signatures', onChanged, isRunning);
  const [busy, setBusy] = useState(false);


  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      load();
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };

  const link = () =>
    act(async () => {
      const { url } = await bridge.api<{ url: string }>('/api/embedded/signatures/link', { method: 'POST' });
      const popup = window.open(url, 'synclane-sign-link', 'width=520,height=720');
      if (!popup) throw new Error(t.contacts.link.popupBlocked);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (popup.closed) {
            clearInterval(timer);
            resolve();
          }
        }, 800);
      });
    });

  if (error) return <div className="mt-3"><Notice tone="err">{error}</Notice></div>;
  if (!overview) return <p className="muted mt-3">{t.common.loading}</p>;
  const { sign, dropbox, archive } = overview;
  const skipped: SkippedView[] = (archive?.problems ?? []).map((p) => ({ label: p.title || p.requestId, reasonCode: problemCode(p), reason: p.detail, url: null }));
  const activity: ActivityView[] = (archive?.activity ?? []).map((a) => ({ ...a, params: (a.detail as Record<string, string> | null) ?? null, url: null }));

  return (
    <div className="mt-4 space-y-3" data-testid="signatures-section">
      <p className="muted text-[13px]">{s.intro}</p>
      <div className="flex flex-wrap items-center gap-2 text-[13px]">
        {sign ? <span data-testid="sign-account">{format(s.signLinked, { email: sign.email })}</span> : null}
        {!sign || sign.status !== 'connected' ? (
          <button className="btn" disabled={busy} onClick={() => void link()} data-testid="link-sign">
            {sign ? s.relinkSign : s.linkSign}
          </button>
        ) : null}
      </div>
      {dropbox ? (
        <p className="text-[13px]" data-testid="dropbox-account">{format(s.dropboxLinked, { email: dropbox.email })}</p>
      ) : (
        <Notice tone="warn">{s.dropboxMissing}</Notice>
      )}
      {!archive && sign?.status === 'connected' && dropbox?.status === 'connected' ? (
        <button className="btn btn-primary" disabled={busy} onClick={() => void act(() => bridge.api('/api/embedded/signatures', { method: 'POST' }))} data-testid="activate-archive">
          {s.activate}
        </button>
      ) : null}
      {archive ? (
        <div className="space-y-3 border-t pt-3" style={{ borderColor: 'var(--border)' }}>
          <StatusHeader
            title="Dropbox Sign → Dropbox"
            subtitle={format(s.activeSince, { date: date(archive.activatedAt) })}
            status={archive.status}
            running={archive.stage === 'running'}
            busy={busy}
            onRefresh={() => void act(() => bridge.api('/api/embedded/signatures/refresh', { method: 'POST' }))}
            labels={d}
          />
          <dl className="grid grid-cols-3 gap-2">
            <Stat label={s.archived} value={archive.counts.archived ?? 0} testId="signatures-archived" />
            <Stat label={s.waiting} value={archive.counts.waiting ?? 0} testId="signatures-waiting" />
            <Stat label={s.failed} value={archive.counts.failed ?? 0} testId="signatures-failed" />
          </dl>
          {archive.activity.length ? <ActivityList items={activity} placeOf={(side) => (side === 'crm' ? d.crm : 'Dropbox')} labels={d} /> : <p className="muted text-[13px]">{s.noDocuments}</p>}
          <SkippedList count={skipped.length} items={skipped} title={d.skippedTitle} />
        </div>
      ) : null}
      {sign ? (
        <button
          className="btn"
          disabled={busy}
          onClick={async () => {
            // The CRM's own confirmation dialog (Pipedrive SDK), like every other unlink on the page.
            if (await bridge.confirm(s.unlink, s.unlinkConfirm, s.unlink)) void act(() => bridge.api('/api/embedded/signatures', { method: 'DELETE' }));
          }}
          data-testid="unlink-sign"
        >
          {s.unlink}
        </button>
      ) : null}
    </div>
  );
}
