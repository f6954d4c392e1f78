'use client';
/**
 * The Dropbox files card body (F1, F2, F7, F8, B3, B4): link Dropbox in a popup, the records whose files
 * sync (Teamleader has no record panel, so records are added here by link or id), the dashboard on the
 * shared shell, and unlink (files stay on both sides).
 */
import { useEffect, useState } from 'react';
import { useSectionData } from './sync/use-section-data';
import { useBridge, ApiError } from './crm-bridge';
import { useI18n } from './i18n';
import { hasKey } from '@/lib/i18n';
import { Notice } from './sync/notice';
import { RunProgress } from './sync/run-progress';
import { Stat, StatusHeader } from './sync/status-header';
import { ActivityList, type ActivityView } from './sync/activity-list';
import { SkippedList } from './sync/skipped-list';
import { DeleteBrakePrompt } from './sync/delete-brake-prompt';

type ActivityRow = { at: string; action: string; side: string; label: string; reasonCode: string | null; reason: string | null; detail: Record<string, unknown> | null };
type Overview =
  | { linked: false; modules: string[] }
  | {
      linked: true;
      modules: string[];
      connection: { id: string; status: string; stage: string; pendingDeletes: { side: string; ids: string[] }[] | null; lastErrorCode: string | null };
      account: { email: string; displayName: string | null };
      records: { id: string; module: string; recordId: string; name: string; path: string | null }[];
      searchableModules: string[];
      files: number;
      run: { status: string; phase: string | null; progressDone: number; progressTotal: number | null } | null;
      activity: ActivityRow[];
      skipped: ActivityRow[];
    };

const params = (detail: Record<string, unknown> | null) => Object.fromEntries(Object.entries(detail ?? {}).map(([k, v]) => [k, String(v)]));
const view = (a: ActivityRow): ActivityView => ({ ...a, url: null, params: params(a.detail) });

const isRunning = (o: Overview) => o.linked && o.connection.stage !== 'idle';

export function FilesSection({ crm, onChanged }: { crm: 'pipedrive' | 'teamleader'; onChanged?: () => void }) {
  const bridge = useBridge();
  const { t, format } = useI18n();
  const f = t.files;
  const d = t.contacts.dashboard;
  const { data, error, setError, load } = useSectionData<Overview>('/api/embedded/files', onChanged, isRunning);
  const [busy, setBusy] = useState(false);
  const [module, setModule] = useState('');
  const [record, setRecord] = useState('');

  const running = data ? isRunning(data) : false;

  const act = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      load();
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };

  const link = async () => {
    const { url } = await bridge.api<{ url: string }>('/api/embedded/files/link', { method: 'POST' });
    const popup = window.open(url, 'synclane-dropbox', 'width=520,height=720');
    if (!popup) throw new ApiError(0, 'popup_blocked', f.popupBlocked);
    await new Promise<void>((resolve) => {
      const done = () => {
        window.removeEventListener('message', onMessage);
        clearInterval(timer);
        resolve();
      };
      const onMessage = (e: MessageEvent) => {
        if (e.data?.type === 'synclane:link-finished') done();
      };
      window.addEventListener('message', onMessage);
      const timer = setInterval(() => popup.closed && done(), 800);
    });
  };

  if (!data) return error ? <div className="mt-3"><Notice tone="err">{error}</Notice></div> : <p className="muted mt-3">{f.loading}</p>;
  const moduleLabel = (m: string) => (hasKey(f.module, m) ? f.module[m] : m);

  if (!data.linked) {
    return (
      <div className="mt-4 space-y-3" data-testid="files-section">
        <p className="muted text-[13px]">{f.intro}</p>
        {error ? <Notice tone="err">{error}</Notice> : null}
        <button className="btn btn-primary" disabled={busy} onClick={() => act(link)} data-testid="link-dropbox">
          {f.link}
        </button>
      </div>
    );
  }

  const c = data.connection;
  const pending = (c.pendingDeletes ?? []).reduce((n, p) => n + p.ids.length, 0);
  const run = data.run && running ? { status: data.run.status, phase: data.run.phase, done: data.run.progressDone, total: data.run.progressTotal } : null;
  return (
    <div className="mt-4 space-y-3" data-testid="files-section">
      <StatusHeader
        title={f.dropbox}
        subtitle={format(f.linkedAs, { email: data.account.email })}
        status={c.status}
        running={running}
        busy={busy}
        onRefresh={() => act(() => bridge.api('/api/embedded/files/refresh', { method: 'POST' }))}
        labels={d}
      />
      {error ? <Notice tone="err">{error}</Notice> : null}
      {run ? <RunProgress run={run} labels={d} /> : null}
      {c.status === 'paused_deletes' ? (
        <DeleteBrakePrompt
          count={pending}
          items={[]}
          labels={f}
          onAnswer={async (approve) => {
            await act(() => bridge.api('/api/embedded/files/deletes', { method: 'POST', body: JSON.stringify({ approve }) }));
            // Keeping deletes nothing: every file the brake held stays on both sides.
            return { unlinked: approve ? 0 : pending };
          }}
        />
      ) : null}
      <dl className="grid grid-cols-2 gap-2">
        <Stat label={f.statRecords} value={data.records.length} testId="files-records" />
        <Stat label={f.statFiles} value={data.files} testId="files-count" />
      </dl>
      <div>
        <p className="text-[13px] font-semibold">{f.recordsTitle}</p>
        {data.records.length ? (
          <ul className="mt-1 space-y-0.5 text-[13px]" data-testid="files-record-list">
            {data.records.map((r) => (
              <li key={r.id} className="flex items-center justify-between gap-2">
                <span>
                  <span className="badge">{moduleLabel(r.module)}</span> {r.name} <span className="muted">{r.path ?? ''}</span>
                </span>
                <button className="btn" disabled={busy} onClick={() => act(() => bridge.api(`/api/embedded/files/records?id=${encodeURIComponent(r.id)}`, { method: 'DELETE' }))}>
                  {f.stopRecord}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted text-[13px]">{f.noRecords}</p>
        )}
      </div>
      <form
        className="space-y-1"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => bridge.api('/api/embedded/files/records', { method: 'POST', body: JSON.stringify({ module: module || data.modules[0], record }) }).then(() => setRecord('')));
        }}
      >
        <p className="text-[13px] font-semibold">{f.addTitle}</p>
        <div className="flex flex-wrap gap-2">
          <select value={module || data.modules[0]} onChange={(e) => setModule(e.target.value)} aria-label={f.addTitle}>
            {data.modules.map((m) => (
              <option key={m} value={m}>
                {moduleLabel(m)}
              </option>
            ))}
          </select>
          <input value={record} onChange={(e) => setRecord(e.target.value)} placeholder={f.addHint} aria-label={f.addHint} className="min-w-0 flex-1" data-testid="files-record-input" />
          <button className="btn" disabled={busy || !record.trim()} data-testid="files-add-record">
            {f.add}
          </button>
        </div>
        {crm === 'pipedrive' ? null : <p className="muted text-[12px]">{f.addHint}</p>}
      </form>
      {data.searchableModules.includes(module || data.modules[0]!) ? (
        <RecordPicker
          module={module || data.modules[0]!}
          busy={busy}
          onAdd={(id) => act(() => bridge.api('/api/embedded/files/records', { method: 'POST', body: JSON.stringify({ module: module || data.modules[0], record: id }) }))}
          refreshKey={data.records.length}
        />
      ) : null}
      <ActivityList items={data.activity.map(view)} placeOf={(side) => (side === 'crm' ? d.crm : f.dropbox)} labels={d} />
      <SkippedList count={data.skipped.length} items={data.skipped.map(view)} title={f.skippedTitle} />
      <button
        className="btn btn-danger"
        disabled={busy}
        data-testid="unlink-dropbox"
        onClick={async () => {
          if (!(await bridge.confirm(f.unlinkTitle, f.unlinkBody, f.unlink))) return;
          await act(() => bridge.api('/api/embedded/files/link', { method: 'DELETE' }));
        }}
      >
        {f.unlink}
      </button>
    </div>
  );
}

type Found = { id: string; name: string; synced: boolean };

/**
 * F2 on Teamleader (no record panel): search the chosen module's records by name (the CRM's `<module>.list`
 * term filter) and add one with a click, instead of pasting its link.
 */
function RecordPicker({ module, busy, onAdd, refreshKey }: { module: string; busy: boolean; onAdd: (id: string) => void; refreshKey: number }) {
  const bridge = useBridge();
  const { t } = useI18n();
  const f = t.files;
  const [term, setTerm] = useState('');
  const [found, setFound] = useState<Found[] | null>(null);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      bridge
        .api<{ records: Found[] }>(`/api/embedded/files/records/search?module=${encodeURIComponent(module)}&term=${encodeURIComponent(term)}`)
        .then((r) => live && setFound(r.records))
        .catch(() => live && setFound([]));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [bridge, module, term, refreshKey]);
  return (
    <div className="space-y-1" data-testid="files-record-picker">
      <p className="text-[13px] font-semibold">{f.searchTitle}</p>
      <input value={term} onChange={(e) => setTerm(e.target.value)} placeholder={f.searchHint} aria-label={f.searchHint} className="w-full" data-testid="files-record-search" />
      {found === null ? null : found.length ? (
        <ul className="space-y-0.5 text-[13px]" data-testid="files-record-results">
          {found.map((r) => (
            <li key={r.id} className="flex items-center justify-between gap-2">
              <span className="truncate">{r.name}</span>
              {r.synced ? (
                <span className="muted">{f.alreadySyncing}</span>
              ) : (
                <button className="btn" disabled={busy} onClick={() => onAdd(r.id)} data-testid="files-record-pick">
                  {f.add}
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted text-[13px]">{f.noMatches}</p>
      )}
    </div>
  );
}
