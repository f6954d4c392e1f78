'use client';
/**
 * The Dropbox Sign archive inside the CRM (S1–S3, B4, B7): link Dropbox Sign (popup), whether a Dropbox is
 * linked (the Files card links it), activate, the dashboard on the shared shell (archived, waiting, not archived
 * with the reason), Refresh and unlink. Below it the team archive (S4), for Dropbox Sign team admins only.
 */
import { useCallback, useEffect, useState } from 'react';
import { useSectionData } from './sync/use-section-data';
import { useBridge, ApiError } from './crm-bridge';
import { useI18n } from './i18n';
import { Notice } from './sync/notice';
import { Stat, StatusHeader } from './sync/status-header';
import { ActivityList, type ActivityView } from './sync/activity-list';
import { SkippedList, type SkippedView } from './sync/skipped-list';
import { SendForSignature } from './send-for-signature';

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

export function SignaturesSection({ crm, onChanged }: { crm: 'pipedrive' | 'teamleader'; onChanged?: () => void }) {
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
      {crm === 'teamleader' && sign?.status === 'connected' ? <TeamleaderSend /> : null}
      {sign?.status === 'connected' ? <TeamArchive onChanged={onChanged} /> : null}
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

type TeamSharing = { state: 'shared'; sharedFolderId: string; admins: string[] } | { state: 'refused'; reason: string; admins: string[] } | null;
type TeamOverview = {
  role: 'admin' | 'member' | 'none';
  dropboxLinked: boolean;
  archive: null | {
    id: string;
    mine: boolean;
    archivedBy: string;
    status: string;
    stage: string;
    activatedAt: string;
    rootFolder: string | null;
    teams: { teamName: string; folder: string; current: boolean; sharing: TeamSharing; members: number }[];
    counts: Partial<Record<'waiting' | 'archived' | 'failed', number>>;
    activity: ActivityRow[];
  };
};

/**
 * S4: the team archive card. Admins turn it on, switch it to their accounts or stop it; members are told only an
 * admin can. Sharing with the team's admins is shown as it is: shared, or refused by Dropbox with what to do instead.
 */
function TeamArchive({ onChanged }: { onChanged?: () => void }) {
  const bridge = useBridge();
  const { t, format, date } = useI18n();
  const tt = t.signatures.team;
  const d = t.contacts.dashboard;
  const { data, error, setError, load } = useSectionData<TeamOverview>('/api/embedded/signatures/team', onChanged);
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
  const turnOn = (takeOver: boolean) => act(() => bridge.api('/api/embedded/signatures/team', { method: 'POST', body: JSON.stringify({ takeOver }) }));

  if (error) return <div className="border-t pt-3" style={{ borderColor: 'var(--border)' }}><Notice tone="err">{error}</Notice></div>;
  if (!data || data.role === 'none') return null;
  const archive = data.archive;
  const activity: ActivityView[] = (archive?.activity ?? []).map((a) => ({ ...a, params: (a.detail as Record<string, string> | null) ?? null, url: null }));
  return (
    <section className="space-y-2 border-t pt-3" style={{ borderColor: 'var(--border)' }} data-testid="team-archive">
      <h3 className="text-[14px] font-semibold">{tt.title}</h3>
      <p className="muted text-[13px]">{tt.intro}</p>
      {data.role === 'member' ? <Notice tone="info">{tt.memberOnly}</Notice> : null}
      {data.role === 'admin' && !archive ? (
        data.dropboxLinked ? (
          <button className="btn btn-primary" disabled={busy} onClick={() => void turnOn(false)} data-testid="activate-team-archive">
            {tt.activate}
          </button>
        ) : (
          <Notice tone="warn">{tt.dropboxMissing}</Notice>
        )
      ) : null}
      {archive ? (
        <div className="space-y-2">
          <StatusHeader
            title={tt.title}
            subtitle={`${format(tt.archivedBy, { email: archive.archivedBy })} ${format(tt.activeSince, { date: date(archive.activatedAt) })}`}
            status={archive.status}
            running={archive.stage === 'running'}
            busy={busy}
            onRefresh={archive.mine ? () => void act(() => bridge.api('/api/embedded/signatures/team/refresh', { method: 'POST' })) : undefined}
            labels={d}
          />
          <dl className="grid grid-cols-3 gap-2">
            <Stat label={t.signatures.archived} value={archive.counts.archived ?? 0} testId="team-archived" />
            <Stat label={t.signatures.waiting} value={archive.counts.waiting ?? 0} testId="team-waiting" />
            <Stat label={t.signatures.failed} value={archive.counts.failed ?? 0} testId="team-failed" />
          </dl>
          <ul className="space-y-1 text-[13px]" data-testid="team-folders">
            {archive.teams.map((team) => (
              <li key={team.teamName}>
                <div>{format(team.current ? tt.currentFolder : tt.earlierFolder, { folder: `${archive.rootFolder ?? ''}/${team.folder}` })}</div>
                {team.current ? <TeamSharingNote sharing={team.sharing} /> : null}
              </li>
            ))}
          </ul>
          {archive.mine && activity.length ? <ActivityList items={activity} placeOf={() => 'Dropbox'} labels={d} /> : null}
          <div className="flex flex-wrap gap-2">
            {!archive.mine && data.dropboxLinked ? (
              <button
                className="btn"
                disabled={busy}
                onClick={async () => {
                  // The CRM's own confirmation dialog, like every other confirmation on the page.
                  if (await bridge.confirm(tt.switch, tt.switchConfirm, tt.switch)) void turnOn(true);
                }}
                data-testid="switch-team-archive"
              >
                {tt.switch}
              </button>
            ) : null}
            <button
              className="btn"
              disabled={busy}
              onClick={async () => {
                if (await bridge.confirm(tt.unlink, tt.unlinkConfirm, tt.unlink)) void act(() => bridge.api('/api/embedded/signatures/team', { method: 'DELETE' }));
              }}
              data-testid="unlink-team-archive"
            >
              {tt.unlink}
            </button>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function TeamSharingNote({ sharing }: { sharing: TeamSharing }) {
  const { t, format } = useI18n();
  const tt = t.signatures.team;
  if (!sharing) return <p className="muted">{tt.sharePending}</p>;
  if (sharing.state === 'shared') return <p data-testid="team-shared">{sharing.admins.length ? format(tt.shared, { admins: sharing.admins.join(', ') }) : tt.noOtherAdmins}</p>;
  return (
    <Notice tone="warn">
      <span data-testid="team-share-refused">{format(tt.shareRefused, { admins: sharing.admins.join(', ') || '—' })}</span>
    </Notice>
  );
}

/** S5 on Teamleader (no record panel): choose one of the records whose files sync to Dropbox, then send from it. */
function TeamleaderSend() {
  const { t } = useI18n();
  const { data } = useSectionData<{ records: { module: string; recordId: string; name: string }[] }>('/api/embedded/signatures/records');
  const [chosen, setChosen] = useState('');
  if (!data?.records.length) return null;
  const record = data.records.find((r) => `${r.module}:${r.recordId}` === chosen);
  return (
    <div className="space-y-1 border-t pt-3 text-[13px]" style={{ borderColor: 'var(--border)' }} data-testid="teamleader-send">
      <label className="block">
        {t.signatures.sendChooseRecord}{' '}
        <select className="input" value={chosen} onChange={(e) => setChosen(e.target.value)} data-testid="send-record-select">
          <option value="" />
          {data.records.map((r) => (
            <option key={`${r.module}:${r.recordId}`} value={`${r.module}:${r.recordId}`}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      {record ? <SendForSignature key={chosen} module={record.module} recordId={record.recordId} /> : null}
    </div>
  );
}
