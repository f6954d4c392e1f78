'use client';
/**
 * Contact sync inside the CRM: link Google / Microsoft (C1), choose direction and group (C3, C4),
 * preview (B2), Start sync (C14), then the dashboard with Refresh (C15), live progress, recent changes,
 * skipped records with reasons (B4), conflicts (B5) and the mass-delete prompt (B3).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useBridge, ApiError } from './crm-bridge';
import { Notice } from './settings-app';

type Account = { id: string; provider: 'google' | 'microsoft'; email: string; status: string; lastAuthError: string | null };
type SyncSummary = { id: string; providerAccountId: string; provider: string; direction: string; status: string; started: boolean };
type Overview = { accounts: Account[]; syncs: SyncSummary[] };
type Preview = { total: number; toExport: number; groupName: string; ownedOnly: boolean; skipped: { reason: string; count: number; samples: { id: string; name: string; url: string }[] }[] };

const PROVIDER_NAME = { google: 'Google Contacts', microsoft: 'Microsoft Outlook' } as const;
const CRM_NAME = { pipedrive: 'Pipedrive', teamleader: 'Teamleader' } as const;
function directionLabel(direction: string, provider: 'google' | 'microsoft', crm: 'pipedrive' | 'teamleader'): string {
  const p = PROVIDER_NAME[provider];
  const c = CRM_NAME[crm];
  if (direction === 'crm_to_provider') return `${c} → ${p} (one-way export)`;
  if (direction === 'provider_to_crm') return `${p} → ${c} (one-way)`;
  return `${p} ⇄ ${c} (two-way)`;
}

export function ContactsSection({ crm, onChanged }: { crm: 'pipedrive' | 'teamleader'; onChanged?: () => void }) {
  const bridge = useBridge();
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    bridge
      .api<Overview>('/api/embedded/contacts')
      .then((o) => {
        setOverview(o);
        setError(null);
        onChanged?.();
      })
      .catch((e: ApiError) => setError(e.message));
  }, [bridge.api, onChanged]);

  useEffect(() => {
    if (bridge.ready) load();
  }, [bridge.ready, load]);

  if (error) return <div className="mt-3"><Notice tone="err">{error}</Notice></div>;
  if (!overview) return <p className="muted mt-3">Loading contact sync…</p>;

  return (
    <div className="mt-4 space-y-4" data-testid="contacts-section">
      {overview.accounts.map((account) => {
        const syncs = overview.syncs.filter((s) => s.providerAccountId === account.id && s.started);
        return (
          <div key={account.id} className="space-y-3 border-t pt-3" style={{ borderColor: 'var(--border)' }}>
            <AccountRow account={account} onChanged={load} />
            {syncs.map((s) => (
              <SyncDashboard key={s.id} syncId={s.id} crm={crm} onChanged={load} />
            ))}
            {account.status === 'connected' ? <SyncSetup account={account} crm={crm} existing={syncs} onStarted={load} /> : null}
          </div>
        );
      })}
      <ConnectForm hasAccounts={overview.accounts.length > 0} onLinked={load} />
    </div>
  );
}

function usePopupLink(onDone: () => void) {
  const bridge = useBridge();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const start = async (provider: 'google' | 'microsoft', email: string) => {
    setBusy(true);
    setMessage(null);
    try {
      const { url } = await bridge.api<{ url: string }>('/api/embedded/contacts/link', { method: 'POST', body: JSON.stringify({ provider, email }) });
      const popup = window.open(url, 'synclane-link', 'width=520,height=720');
      if (!popup) {
        setMessage('Your browser blocked the sign-in window. Allow pop-ups for this page and try again.');
        setBusy(false);
        return;
      }
      const finish = (status?: string) => {
        window.removeEventListener('message', onMessage);
        clearInterval(timer);
        setBusy(false);
        if (status && status !== 'linked') setMessage('Linking did not complete — see the sign-in window for why.');
        onDone();
      };
      const onMessage = (e: MessageEvent) => {
        if (e.data?.type === 'synclane:link-finished') finish(e.data.status);
      };
      window.addEventListener('message', onMessage);
      const timer = setInterval(() => {
        if (popup.closed) finish();
      }, 800);
    } catch (e) {
      setMessage((e as ApiError).message);
      setBusy(false);
    }
  };
  return { start, busy, message };
}

function ConnectForm({ hasAccounts, onLinked }: { hasAccounts: boolean; onLinked: () => void }) {
  const [provider, setProvider] = useState<'google' | 'microsoft'>('google');
  const [email, setEmail] = useState('');
  const link = usePopupLink(() => {
    setEmail('');
    onLinked();
  });
  const valid = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim());
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void link.start(provider, email);
      }}
    >
      <p className="text-[13px] font-semibold">{hasAccounts ? 'Link another account' : 'Link the account to sync with'}</p>
      <div className="flex flex-wrap items-center gap-2">
        <select className="input" value={provider} onChange={(e) => setProvider(e.target.value as 'google' | 'microsoft')} data-testid="contacts-provider">
          <option value="google">Google Contacts</option>
          <option value="microsoft">Microsoft Outlook (Outlook.com, Live, Hotmail, Microsoft 365)</option>
        </select>
        <input
          className="input min-w-56 flex-1"
          type="email"
          placeholder="E-mail address of that account"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="contacts-email"
          aria-label="E-mail address of the account"
        />
        <button className="btn btn-primary" disabled={!valid || link.busy} data-testid="contacts-connect">
          {link.busy ? 'Waiting for sign-in…' : 'Connect'}
        </button>
      </div>
      <p className="muted text-[12px]">A sign-in window opens; authorize the same account you entered. Synclane stores its tokens encrypted.</p>
      {link.message ? <Notice tone="err">{link.message}</Notice> : null}
    </form>
  );
}

function AccountRow({ account, onChanged }: { account: Account; onChanged: () => void }) {
  const bridge = useBridge();
  const link = usePopupLink(onChanged);
  return (
    <div className="flex flex-wrap items-center justify-between gap-2" data-testid={`account-${account.provider}`}>
      <div>
        <span className="font-semibold">{PROVIDER_NAME[account.provider]}</span> · <span data-testid="linked-email">{account.email}</span>{' '}
        {account.status === 'needs_reconnect' ? <span className="badge badge-err">Needs reconnect</span> : <span className="badge badge-ok">Linked</span>}
        {account.status === 'needs_reconnect' ? (
          <p className="text-[12px]" style={{ color: 'var(--danger)' }}>
            Access to {account.email} was revoked or expired. Syncing is paused and nothing was deleted. Press Reconnect and authorize {account.email} again.
          </p>
        ) : null}
      </div>
      <div className="flex gap-2">
        {account.status === 'needs_reconnect' ? (
          <button className="btn btn-primary" disabled={link.busy} onClick={() => link.start(account.provider, account.email)} data-testid="reconnect">
            Reconnect
          </button>
        ) : null}
        <button
          className="btn btn-danger"
          onClick={async () => {
            if (!(await bridge.confirm('Unlink this account?', 'Syncing with it stops. Contacts already synced stay where they are on both sides.', 'Unlink'))) return;
            await bridge.api(`/api/embedded/contacts/accounts/${account.id}`, { method: 'DELETE' }).catch(() => undefined);
            onChanged();
          }}
        >
          Unlink
        </button>
      </div>
    </div>
  );
}

function SyncSetup({ account, crm, existing, onStarted }: { account: Account; crm: 'pipedrive' | 'teamleader'; existing: SyncSummary[]; onStarted: () => void }) {
  const bridge = useBridge();
  const used = new Set(existing.map((s) => s.direction));
  const options = (['crm_to_provider', 'provider_to_crm', 'two_way'] as const).filter(
    (d) => !used.has(d) && !(d !== 'crm_to_provider' && (used.has('provider_to_crm') || used.has('two_way'))),
  );
  const [direction, setDirection] = useState<string>(options[0] ?? '');
  // Once a direction is started it leaves the list: move to the next one and drop the old preview.
  useEffect(() => {
    if (!options.includes(direction as (typeof options)[number])) {
      setDirection(options[0] ?? '');
      setPreview(null);
    }
  }, [options.join(','), direction]);
  const [groups, setGroups] = useState<{ id: string; name: string; memberCount?: number }[] | null>(null);
  const [groupId, setGroupId] = useState('');
  const [policy, setPolicy] = useState<'newest' | 'crm' | 'provider'>('newest');
  const [visibilityChoices, setVisibilityChoices] = useState<{ value: number; label: string }[] | null>(null);
  const [visibility, setVisibility] = useState<number | null>(null);
  const [matchByEmail, setMatchByEmail] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const crmName = crm === 'pipedrive' ? 'Pipedrive' : 'Teamleader';

  useEffect(() => {
    if (direction && direction !== 'crm_to_provider' && crm === 'pipedrive' && !visibilityChoices)
      bridge
        .api<{ options: { value: number; label: string }[] }>('/api/embedded/contacts/visibility')
        .then((r) => setVisibilityChoices(r.options))
        .catch(() => setVisibilityChoices([]));
  }, [direction, crm, visibilityChoices, bridge.api]);

  useEffect(() => {
    if (direction && direction !== 'crm_to_provider' && !groups)
      bridge
        .api<{ groups: { id: string; name: string; memberCount?: number }[] }>(`/api/embedded/contacts/accounts/${account.id}/groups`)
        .then((r) => setGroups(r.groups))
        .catch((e: ApiError) => setError(e.message));
  }, [direction, groups, account.id, bridge.api]);

  if (!options.length) return null;
  const run = async (label: string, fn: () => Promise<void>) => {
    setBusy(label);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="card space-y-3 p-3" data-testid="sync-setup" style={{ background: 'var(--surface-2)' }}>
      <div className="flex flex-wrap items-center gap-2">
        <label className="text-[13px] font-semibold" htmlFor={`dir-${account.id}`}>
          Direction
        </label>
        <select id={`dir-${account.id}`} className="input" value={direction} onChange={(e) => { setDirection(e.target.value); setPreview(null); }} data-testid="direction">
          {options.map((d) => (
            <option key={d} value={d}>
              {directionLabel(d, account.provider, crm)}
            </option>
          ))}
        </select>
      </div>
      {direction === 'crm_to_provider' ? (
        <p className="muted text-[13px]">
          Exports your {crmName} persons{crm === 'pipedrive' ? ' that you own' : ''} (never organizations) into a group named “{crmName}”, with their company name and
          company phone. Edits made in {PROVIDER_NAME[account.provider]} are not brought back. Runs every hour and when you press Refresh.
        </p>
      ) : (
        <div className="space-y-2">
          <div className="flex flex-wrap items-center gap-2">
            <label className="text-[13px] font-semibold">Sync group</label>
            <select className="input" value={groupId} onChange={(e) => setGroupId(e.target.value)} data-testid="group">
              <option value="">{groups ? 'Choose a group…' : 'Loading groups…'}</option>
              {(groups ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                  {g.memberCount !== undefined ? ` (${g.memberCount})` : ''}
                </option>
              ))}
            </select>
            {direction === 'two_way' ? (
              <>
                <label className="text-[13px] font-semibold">When both sides changed a field</label>
                <select className="input" value={policy} onChange={(e) => setPolicy(e.target.value as typeof policy)} data-testid="policy">
                  <option value="newest">Newest change wins</option>
                  <option value="crm">{crmName} wins</option>
                  <option value="provider">{PROVIDER_NAME[account.provider]} wins</option>
                </select>
              </>
            ) : null}
            {visibilityChoices?.length ? (
              <>
                <label className="text-[13px] font-semibold">Visibility of persons created in {crmName}</label>
                <select className="input" value={visibility ?? ''} onChange={(e) => setVisibility(e.target.value ? Number(e.target.value) : null)} data-testid="visibility">
                  <option value="">Your default visibility</option>
                  {visibilityChoices.map((v) => (
                    <option key={v.value} value={v.value}>
                      {v.label}
                    </option>
                  ))}
                </select>
              </>
            ) : null}
          </div>
          <label className="flex items-center gap-2 text-[13px]">
            <input type="checkbox" checked={matchByEmail} onChange={(e) => setMatchByEmail(e.target.checked)} data-testid="match-by-email" />
            On the first sync, link contacts to your existing {crmName} persons with the same e-mail instead of creating duplicates
          </label>
          <p className="muted text-[12px]">
            Synced fields: name, e-mails, phones, address, company, job title, notes{account.provider === 'microsoft' ? ' (via Outlook personal notes)' : ''}, birthday,
            instant messengers{direction === 'provider_to_crm' ? ', photo (only when the CRM person has none)' : ''}. Only the chosen group is synced; deletes in it reach{' '}
            {crmName}, and a run that would delete many contacts pauses and asks first.
          </p>
        </div>
      )}
      {preview ? (
        <div className="space-y-1 text-[13px]" data-testid="preview-result">
          <p>
            <strong data-testid="preview-to-export">{preview.toExport}</strong> of {preview.total} persons will be exported to the group “{preview.groupName}”.
            {preview.skipped.length ? ` ${preview.skipped.reduce((n, s) => n + s.count, 0)} will be skipped:` : ' None will be skipped.'}
          </p>
          <ul className="list-disc pl-5">
            {preview.skipped.map((s) => (
              <li key={s.reason}>
                {s.count} × {s.reason}{' '}
                <span className="muted">
                  e.g.{' '}
                  {s.samples.map((x, i) => (
                    <span key={x.id}>
                      {i ? ', ' : ''}
                      <a href={x.url} target="_blank" rel="noreferrer">
                        {x.name}
                      </a>
                    </span>
                  ))}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {error ? <Notice tone="err">{error}</Notice> : null}
      <div className="flex gap-2">
        {direction === 'crm_to_provider' ? (
          <button
            className="btn"
            disabled={!!busy}
            data-testid="preview-button"
            onClick={() => run('preview', async () => setPreview(await bridge.api<Preview>('/api/embedded/contacts/preview')))}
          >
            {busy === 'preview' ? 'Counting…' : 'Preview'}
          </button>
        ) : null}
        <button
          className="btn btn-primary"
          disabled={!!busy || (direction !== 'crm_to_provider' && !groupId)}
          data-testid="start-sync"
          onClick={() =>
            run('start', async () => {
              const group = groups?.find((g) => g.id === groupId);
              await bridge.api('/api/embedded/contacts/syncs', {
                method: 'POST',
                body: JSON.stringify({ accountId: account.id, direction, groupId: groupId || null, groupName: group?.name ?? null, conflictPolicy: policy, visibility, matchByEmail }),
              });
              bridge.snackbar('Contact sync started');
              onStarted();
            })
          }
        >
          {busy === 'start' ? 'Starting…' : 'Start sync'}
        </button>
      </div>
    </div>
  );
}

type Dashboard = {
  sync: {
    id: string;
    provider: 'google' | 'microsoft';
    account: string;
    direction: string;
    groupName: string | null;
    status: string;
    stage: string;
    lastRunAt: string | null;
    lastSuccessAt: string | null;
    nextRunAt: string | null;
    lastErrorCode: string | null;
    lastErrorMessage: string | null;
    pendingDeletes: number;
  };
  inSync: number;
  skippedCount: number;
  running: boolean;
  instant: { enabled: boolean; note: string };
  run: { status: string; phase: string | null; done: number; total: number | null; counts: Record<string, number>; errorMessage: string | null } | null;
  lastCounts: Record<string, number> | null;
  recent: { at: string; action: string; side: string; label: string; reason: string | null; url: string | null }[];
  skipped: { label: string; reason: string | null; url: string | null }[];
  restorable: { id: string; label: string | null; deletedAt: string | null; side: 'crm' | 'provider' | null }[];
};

const STATUS_BADGE: Record<string, [string, string]> = {
  active: ['In sync', 'badge-ok'],
  paused_deletes: ['Paused — confirm deletes', 'badge-warn'],
  needs_reconnect: ['Needs reconnect', 'badge-err'],
  error: ['Stopped — action needed', 'badge-err'],
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

function SyncDashboard({ syncId, crm, onChanged }: { syncId: string; crm: 'pipedrive' | 'teamleader'; onChanged: () => void }) {
  const bridge = useBridge();
  const [data, setData] = useState<Dashboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(async () => {
    try {
      const d = await bridge.api<Dashboard>(`/api/embedded/contacts/syncs/${syncId}`);
      setData(d);
      setError(null);
      return d;
    } catch (e) {
      setError((e as ApiError).message);
      return null;
    }
  }, [bridge.api, syncId]);

  useEffect(() => {
    let stopped = false;
    const loop = async () => {
      const d = await load();
      if (stopped) return;
      timer.current = setTimeout(loop, d?.running ? 1000 : 10_000);
    };
    void loop();
    return () => {
      stopped = true;
      if (timer.current) clearTimeout(timer.current);
    };
  }, [load]);

  const refresh = async () => {
    setBusy(true);
    try {
      await bridge.api(`/api/embedded/contacts/syncs/${syncId}/refresh`, { method: 'POST' });
      await new Promise((r) => setTimeout(r, 300));
      await load();
    } catch (e) {
      setError((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };

  if (!data) return error ? <Notice tone="err">{error}</Notice> : <p className="muted">Loading dashboard…</p>;
  const { sync, run } = data;
  const [label, cls] = STATUS_BADGE[sync.status] ?? [sync.status, ''];
  const pct = run && data.running ? Math.min(99, Math.round(((run.done || 0) / Math.max(run.total || run.done || 1, 1)) * 100)) : 100;
  const counts = (data.running ? run?.counts : data.lastCounts) ?? {};
  return (
    <div className="card space-y-3 p-3" data-testid="dashboard" data-running={data.running ? 'true' : 'false'}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <span className="font-semibold">{directionLabel(sync.direction, sync.provider, crm)}</span>{' '}
          <span className={`badge ${cls}`} data-testid="sync-status">
            {data.running ? 'Syncing…' : label}
          </span>
          <p className="muted text-[12px]">
            {sync.account}
            {sync.groupName ? ` · group “${sync.groupName}”` : ''}
          </p>
        </div>
        <button className="btn" onClick={refresh} disabled={busy || data.running || sync.status !== 'active'} data-testid="refresh">
          {data.running ? 'Syncing…' : busy ? 'Starting…' : 'Refresh'}
        </button>
      </div>

      {data.running && run ? (
        <div data-testid="progress">
          <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
            <div style={{ width: `${pct}%` }} />
          </div>
          <p className="muted mt-1 text-[12px]">
            {run.phase ?? 'Starting'} · {run.done}
            {run.total ? ` of ~${run.total}` : ''} records checked
          </p>
        </div>
      ) : null}

      {sync.status === 'needs_reconnect' || sync.status === 'error' ? (
        <Notice tone="err">{sync.lastErrorMessage ?? 'This sync stopped. Reconnect the account above.'}</Notice>
      ) : sync.lastErrorMessage && !data.running ? (
        <Notice tone="warn">Last run: {sync.lastErrorMessage}</Notice>
      ) : null}

      {sync.status === 'paused_deletes' ? (
        <div className="space-y-2 rounded-md p-3" style={{ background: 'var(--warn-bg)' }} data-testid="delete-prompt">
          <p className="text-[13px]" style={{ color: 'var(--warning)' }}>
            This run would delete <strong>{sync.pendingDeletes}</strong> contacts — more than Synclane deletes without asking. Nothing has been deleted yet.
          </p>
          <div className="flex gap-2">
            <button
              className="btn btn-danger"
              data-testid="approve-deletes"
              onClick={async () => {
                if (!(await bridge.confirm('Delete these contacts?', `${sync.pendingDeletes} contacts will be deleted. Deleted contacts can be restored for 30 days.`, 'Delete'))) return;
                await bridge.api(`/api/embedded/contacts/syncs/${syncId}/deletes`, { method: 'POST', body: JSON.stringify({ approve: true }) });
                await load();
              }}
            >
              Delete them
            </button>
            <button
              className="btn"
              data-testid="keep-contacts"
              onClick={async () => {
                await bridge.api(`/api/embedded/contacts/syncs/${syncId}/deletes`, { method: 'POST', body: JSON.stringify({ approve: false }) });
                await load();
              }}
            >
              Keep everything
            </button>
          </div>
        </div>
      ) : null}

      <dl className="grid grid-cols-2 gap-2 text-[13px] sm:grid-cols-4">
        <Stat label="Contacts in sync" value={data.inSync} testId="in-sync-count" />
        <Stat label="Added" value={counts.added ?? 0} testId="count-added" />
        <Stat label="Updated" value={counts.updated ?? 0} testId="count-updated" />
        <Stat label="Deleted" value={counts.deleted ?? 0} testId="count-deleted" />
      </dl>
      <p className="muted text-[12px]">
        Last run: {when(sync.lastRunAt)} · Next run: {sync.status === 'active' ? when(sync.nextRunAt) : '—'}
      </p>
      <p className="muted text-[12px]" data-testid="instant-updates">
        {data.instant.enabled ? '⚡ Instant updates on. ' : ''}
        {data.instant.note}
      </p>

      {data.recent.length ? (
        <details open data-testid="recent-activity">
          <summary className="cursor-pointer text-[13px] font-semibold">Recently added, updated and deleted</summary>
          <ul className="mt-1 space-y-0.5 text-[13px]">
            {data.recent.slice(0, 12).map((a, i) => (
              <li key={i}>
                <span className={`badge ${a.action === 'deleted' ? 'badge-err' : a.action === 'conflict' ? 'badge-warn' : 'badge-ok'}`}>{a.action}</span>{' '}
                {a.url ? (
                  <a href={a.url} target="_blank" rel="noreferrer">
                    {a.label}
                  </a>
                ) : (
                  a.label
                )}{' '}
                <span className="muted">
                  in {a.side === 'crm' ? 'CRM' : PROVIDER_NAME[sync.provider]} · {when(a.at)}
                  {a.reason ? ` · ${a.reason}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      {data.skipped.length ? (
        <details data-testid="skipped-list">
          <summary className="cursor-pointer text-[13px] font-semibold">
            Why not synced? {data.skippedCount} skipped — fix them in the CRM and they sync on the next run
          </summary>
          <ul className="mt-1 space-y-0.5 text-[13px]">
            {data.skipped.map((s, i) => (
              <li key={i}>
                {s.url ? (
                  <a href={s.url} target="_blank" rel="noreferrer">
                    {s.label}
                  </a>
                ) : (
                  s.label
                )}{' '}
                <span className="muted">— {s.reason}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {data.restorable.length ? (
        <details data-testid="restorable-list">
          <summary className="cursor-pointer text-[13px] font-semibold">Deleted by this sync in the last 30 days — restore any of them</summary>
          <ul className="mt-1 space-y-1 text-[13px]">
            {data.restorable.map((r) => (
              <li key={r.id} className="flex items-center justify-between gap-2">
                <span>
                  {r.label} <span className="muted">· deleted in {r.side === 'crm' ? CRM_NAME[crm] : PROVIDER_NAME[sync.provider]} · {when(r.deletedAt)}</span>
                </span>
                <button
                  className="btn text-[12px]"
                  data-testid="restore"
                  onClick={async () => {
                    try {
                      await bridge.api(`/api/embedded/contacts/syncs/${syncId}/restore`, { method: 'POST', body: JSON.stringify({ linkId: r.id }) });
                      bridge.snackbar(`${r.label ?? 'Contact'} restored`);
                    } catch (e) {
                      setError((e as ApiError).message);
                    }
                    await load();
                  }}
                >
                  Restore
                </button>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {error ? <Notice tone="err">{error}</Notice> : null}
      <div className="flex justify-end">
        <button
          className="btn btn-danger text-[12px]"
          onClick={async () => {
            if (!(await bridge.confirm('Stop this sync?', 'Hourly runs stop. Contacts already synced stay where they are.', 'Stop sync'))) return;
            await bridge.api(`/api/embedded/contacts/syncs/${syncId}`, { method: 'DELETE' });
            onChanged();
          }}
        >
          Stop sync
        </button>
      </div>
    </div>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="rounded-md p-2" style={{ background: 'var(--surface-2)' }}>
      <dt className="muted text-[12px]">{label}</dt>
      <dd className="text-base font-semibold" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
