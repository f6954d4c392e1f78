'use client';
/**
 * Contact sync inside the CRM: link Google / Microsoft (C1), choose direction and group (C3, C4),
 * preview (B2), Start sync (C14), then the dashboard with Refresh (C15), live progress, recent changes,
 * skipped records with reasons (B4), conflicts (B5) and the mass-delete prompt (B3).
 */
import { useCallback, useEffect, useState } from 'react';
import { useSectionData } from './sync/use-section-data';
import { useLivePoll } from './sync/live-poll';
import { useBridge, ApiError } from './crm-bridge';
import { useI18n, type I18n } from './i18n';
import { Notice } from './sync/notice';
import { hasKey } from '@/lib/i18n';
import { useReasonText } from './sync/reason-text';
import { RunProgress, type RunView } from './sync/run-progress';
import { Stat, StatusHeader } from './sync/status-header';
import { ActivityList, type ActivityView } from './sync/activity-list';
import { SkippedList, type SkippedView } from './sync/skipped-list';
import { DeleteBrakePrompt, type PendingDeleteItem } from './sync/delete-brake-prompt';

type Account = { id: string; provider: 'google' | 'microsoft'; email: string; status: string; lastAuthError: string | null };
type SyncSummary = { id: string; providerAccountId: string; provider: string; direction: string; status: string; started: boolean };
type Overview = { accounts: Account[]; syncs: SyncSummary[] };
type SkipGroup = { reason: string; count: number; samples: { id: string; name: string; url: string }[] };
type ImportPreview = { provider: { total: number; toCreate: number; samples: { id: string; name: string }[]; skipped: SkipGroup[] }; crm: { total: number; toExport: number; skipped: SkipGroup[] } | null };
type Preview = { total: number; toExport: number; alreadyInProvider: number; leftAlone?: number; groupName: string; ownedOnly: boolean; skipped: { reason: string; count: number; samples: { id: string; name: string; url: string }[] }[] };

const PROVIDER_NAME = { google: 'Google Contacts', microsoft: 'Microsoft Outlook' } as const;
const CRM_NAME = { pipedrive: 'Pipedrive', teamleader: 'Teamleader' } as const;
function directionLabel(i18n: I18n, direction: string, provider: 'google' | 'microsoft', crm: 'pipedrive' | 'teamleader'): string {
  const labels = i18n.t.contacts.direction;
  const template = hasKey(labels, direction) ? labels[direction] : labels.two_way;
  return i18n.format(template, { provider: PROVIDER_NAME[provider], crm: CRM_NAME[crm] });
}

export function ContactsSection({ crm, onChanged }: { crm: 'pipedrive' | 'teamleader'; onChanged?: () => void }) {
  const bridge = useBridge();
  const { t, format } = useI18n();
  const { data: overview, error, setError, load } = useSectionData<Overview>('/api/embedded/contacts', onChanged);


  // C2: the CRM rights are checked as soon as the settings open, before anything is linked.
  const [missing, setMissing] = useState<string[]>([]);
  useEffect(() => {
    if (!bridge.ready) return;
    bridge
      .api<{ missing: string[] }>('/api/embedded/contacts/permissions')
      .then((r) => setMissing(r.missing))
      .catch(() => setMissing([]));
  }, [bridge.ready, bridge.api]);

  if (error) return <div className="mt-3"><Notice tone="err">{error}</Notice></div>;
  if (!overview) return <p className="muted mt-3">{t.contacts.loading}</p>;

  return (
    <div className="mt-4 space-y-4" data-testid="contacts-section">
      {missing.map((m) =>
        hasKey(t.contacts.setup.permissionMissing, m) ? (
          <Notice key={m} tone="err">
            <span data-testid={`missing-permission-${m}`}>{format(t.contacts.setup.permissionMissing[m], { crm: CRM_NAME[crm] })}</span>
          </Notice>
        ) : null,
      )}
      {overview.accounts.map((account) => {
        const syncs = overview.syncs.filter((s) => s.providerAccountId === account.id && s.started);
        return (
          <div key={account.id} className="space-y-3 border-t pt-3" style={{ borderColor: 'var(--border)' }}>
            <AccountRow account={account} onChanged={load} />
            {syncs.map((s) => (
              <SyncDashboard key={s.id} syncId={s.id} crm={crm} onChanged={load} />
            ))}
            {/* The setup box is for adding a sync; an account with a live sync gets no second one (it would
                write the same people again), and says so instead. */}
            {account.status !== 'connected' ? null : syncs.length === 0 && overview.syncs.every((s) => s.providerAccountId !== account.id) ? (
              <SyncSetup account={account} crm={crm} existing={syncs} onStarted={load} />
            ) : (
              <p className="muted text-[12px]" data-testid="one-sync-per-account">
                {format(t.contacts.setup.onePerAccount, { email: account.email })}
              </p>
            )}
          </div>
        );
      })}
      <ConnectForm hasAccounts={overview.accounts.length > 0} onLinked={load} />
    </div>
  );
}

function usePopupLink(onDone: () => void) {
  const bridge = useBridge();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const start = async (provider: 'google' | 'microsoft', email: string) => {
    setBusy(true);
    setMessage(null);
    try {
      const { url } = await bridge.api<{ url: string }>('/api/embedded/contacts/link', { method: 'POST', body: JSON.stringify({ provider, email }) });
      const popup = window.open(url, 'synclane-link', 'width=520,height=720');
      if (!popup) {
        setMessage(t.contacts.link.popupBlocked);
        setBusy(false);
        return;
      }
      const finish = (status?: string) => {
        window.removeEventListener('message', onMessage);
        clearInterval(timer);
        setBusy(false);
        if (status && status !== 'linked') setMessage(t.contacts.link.notCompleted);
        onDone();
      };
      // S1: the popup hands back a one-time code; this page (the verified CRM user who started) redeems it.
      const onMessage = (e: MessageEvent) => {
        if (e.origin !== window.location.origin || e.source !== popup || e.data?.type !== 'synclane:link-finished') return;
        if (e.data.status !== 'consented' || typeof e.data.code !== 'string') return finish(e.data.status);
        window.removeEventListener('message', onMessage);
        clearInterval(timer);
        bridge
          .api('/api/embedded/contacts/link/redeem', { method: 'POST', body: JSON.stringify({ code: e.data.code }) })
          .then(() => finish('linked'))
          .catch((error: ApiError) => {
            setMessage(error.message);
            setBusy(false);
            onDone();
          });
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
  const { t } = useI18n();
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
      <p className="text-[13px] font-semibold">{hasAccounts ? t.contacts.link.titleAnother : t.contacts.link.titleFirst}</p>
      <div className="flex flex-wrap items-center gap-2">
        <select className="input" value={provider} onChange={(e) => setProvider(e.target.value as 'google' | 'microsoft')} data-testid="contacts-provider">
          <option value="google">Google Contacts</option>
          <option value="microsoft">{t.contacts.link.microsoftOption}</option>
        </select>
        <input
          className="input min-w-56 flex-1"
          type="email"
          placeholder={t.contacts.link.emailPlaceholder}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="contacts-email"
          aria-label={t.contacts.link.emailLabel}
        />
        <button className="btn btn-primary" disabled={!valid || link.busy} data-testid="contacts-connect">
          {link.busy ? t.contacts.link.waiting : t.contacts.link.connect}
        </button>
      </div>
      <p className="muted text-[12px]">{t.contacts.link.hint}</p>
      {link.message ? <Notice tone="err">{link.message}</Notice> : null}
    </form>
  );
}

function AccountRow({ account, onChanged }: { account: Account; onChanged: () => void }) {
  const bridge = useBridge();
  const { t, format } = useI18n();
  const link = usePopupLink(onChanged);
  return (
    <div className="flex flex-wrap items-center justify-between gap-2" data-testid={`account-${account.provider}`}>
      <div>
        <span className="font-semibold">{PROVIDER_NAME[account.provider]}</span> · <span data-testid="linked-email">{account.email}</span>{' '}
        {account.status === 'needs_reconnect' ? <span className="badge badge-err">{t.contacts.account.needsReconnect}</span> : <span className="badge badge-ok">{t.contacts.account.linked}</span>}
        {account.status === 'needs_reconnect' ? (
          <p className="text-[12px]" style={{ color: 'var(--danger)' }}>
            {format(t.contacts.account.revoked, { email: account.email })}
          </p>
        ) : null}
      </div>
      <div className="flex gap-2">
        {account.status === 'needs_reconnect' ? (
          <button className="btn btn-primary" disabled={link.busy} onClick={() => link.start(account.provider, account.email)} data-testid="reconnect">
            {t.contacts.account.reconnect}
          </button>
        ) : null}
        <button
          className="btn btn-danger"
          onClick={async () => {
            if (!(await bridge.confirm(t.contacts.account.unlinkTitle, t.contacts.account.unlinkBody, t.contacts.account.unlink))) return;
            await bridge.api(`/api/embedded/contacts/accounts/${account.id}`, { method: 'DELETE' }).catch(() => undefined);
            onChanged();
          }}
        >
          {t.contacts.account.unlink}
        </button>
      </div>
    </div>
  );
}

function SyncSetup({ account, crm, existing, onStarted }: { account: Account; crm: 'pipedrive' | 'teamleader'; existing: SyncSummary[]; onStarted: () => void }) {
  const reasonText = useReasonText();
  const bridge = useBridge();
  const i18n = useI18n();
  const { t, format, rich } = i18n;
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
  const [matchScope, setMatchScope] = useState<'own' | 'visible'>('own');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [importPreview, setImportPreview] = useState<ImportPreview | null>(null);
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
  const skippedTotal = preview ? preview.skipped.reduce((n, s) => n + s.count, 0) : 0;
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
          {t.contacts.setup.direction}
        </label>
        <select id={`dir-${account.id}`} className="input" value={direction} onChange={(e) => { setDirection(e.target.value); setPreview(null); setImportPreview(null); }} data-testid="direction">
          {options.map((d) => (
            <option key={d} value={d}>
              {directionLabel(i18n, d, account.provider, crm)}
            </option>
          ))}
        </select>
      </div>
      {direction === 'crm_to_provider' ? (
        <p className="muted text-[13px]">
          {format(crm === 'pipedrive' ? t.contacts.setup.exportOwned : t.contacts.setup.exportAll, {
            crm: crmName,
            group: crmName,
            provider: PROVIDER_NAME[account.provider],
          })}
        </p>
      ) : (
        <div className="space-y-2">
          <div className="flex flex-wrap items-center gap-2">
            <label className="text-[13px] font-semibold">{t.contacts.setup.group}</label>
            <select className="input" value={groupId} onChange={(e) => { setGroupId(e.target.value); setImportPreview(null); }} data-testid="group">
              <option value="">{groups ? t.contacts.setup.chooseGroup : t.contacts.setup.loadingGroups}</option>
              {(groups ?? []).map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                  {g.memberCount !== undefined ? ` (${g.memberCount})` : ''}
                </option>
              ))}
            </select>
            {direction === 'two_way' ? (
              <>
                <label className="text-[13px] font-semibold">{t.contacts.setup.conflictLabel}</label>
                <select className="input" value={policy} onChange={(e) => setPolicy(e.target.value as typeof policy)} data-testid="policy">
                  <option value="newest">{t.contacts.setup.newestWins}</option>
                  <option value="crm">{format(t.contacts.setup.sideWins, { side: crmName })}</option>
                  <option value="provider">{format(t.contacts.setup.sideWins, { side: PROVIDER_NAME[account.provider] })}</option>
                </select>
              </>
            ) : null}
            {visibilityChoices?.length ? (
              <>
                <label className="text-[13px] font-semibold">{format(t.contacts.setup.visibilityLabel, { crm: crmName })}</label>
                <select className="input" value={visibility ?? ''} onChange={(e) => setVisibility(e.target.value ? Number(e.target.value) : null)} data-testid="visibility">
                  <option value="">{t.contacts.setup.defaultVisibility}</option>
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
            {format(t.contacts.setup.matchByEmail, { crm: crmName })}
          </label>
          {matchByEmail ? (
            <div className="flex flex-wrap items-center gap-2 text-[13px]">
              {/* B6: every visible person only for the one-way import; exports keep to owned persons (C5). */}
              {crm === 'pipedrive' && direction === 'provider_to_crm' ? (
                <>
                  <label className="font-semibold">{t.contacts.setup.matchScope.label}</label>
                  <select className="input" value={matchScope} onChange={(e) => setMatchScope(e.target.value as 'own' | 'visible')} data-testid="match-scope">
                    <option value="own">{t.contacts.setup.matchScope.own}</option>
                    <option value="visible">{format(t.contacts.setup.matchScope.visible, { crm: crmName })}</option>
                  </select>
                </>
              ) : null}
              <span className="muted text-[12px]" data-testid="match-scope-used">
                {format(
                  crm !== 'pipedrive'
                    ? t.contacts.setup.matchScope.usedAll
                    : direction === 'provider_to_crm' && matchScope === 'visible'
                      ? t.contacts.setup.matchScope.usedVisible
                      : t.contacts.setup.matchScope.usedOwn,
                  { crm: crmName },
                )}
              </span>
            </div>
          ) : null}
          <p className="muted text-[12px]">
            {format(t.contacts.setup.syncedFields, {
              notesVia: account.provider === 'microsoft' ? t.contacts.setup.notesViaOutlook : '',
              photo: direction === 'provider_to_crm' ? t.contacts.setup.photoWhenMissing : '',
              crm: crmName,
            })}
          </p>
        </div>
      )}
      {preview ? (
        <div className="space-y-1 text-[13px]" data-testid="preview-result">
          <p>
            {rich(t.contacts.preview.summary, {
              toExport: <strong data-testid="preview-to-export">{preview.toExport}</strong>,
              total: preview.total,
              group: preview.groupName,
            })}{' '}
            {preview.alreadyInProvider ? (
              <span data-testid="preview-already">
                {i18n.plural(preview.alreadyInProvider, t.contacts.preview.alreadyThere, { provider: PROVIDER_NAME[account.provider] })}{' '}
              </span>
            ) : null}
            {preview.leftAlone ? <span data-testid="preview-left-alone">{i18n.plural(preview.leftAlone, t.contacts.preview.leftAlone)} </span> : null}
            {preview.skipped.length
              ? i18n.plural(skippedTotal, t.contacts.preview.willSkip)
              : t.contacts.preview.noneSkipped}
          </p>
          <ul className="list-disc pl-5">
            {preview.skipped.map((s) => (
              <li key={s.reason}>
                {s.count} × {reasonText({ reasonCode: s.reason })}{' '}
                <span className="muted">
                  {t.contacts.preview.example}{' '}
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
      {importPreview ? (
        <div className="space-y-1 text-[13px]" data-testid="import-preview-result">
          <p>
            {format(t.contacts.preview.importSummary, {
              toCreate: i18n.number(importPreview.provider.toCreate),
              total: i18n.number(importPreview.provider.total),
              group: groups?.find((g) => g.id === groupId)?.name ?? '',
              crm: crmName,
            })}{' '}
            {importPreview.provider.samples.length ? (
              <span className="muted">
                {t.contacts.preview.example} {importPreview.provider.samples.map((x) => x.name).join(', ')}
              </span>
            ) : null}
          </p>
          {importPreview.provider.skipped.map((sk) => (
            <p key={sk.reason}>
              {i18n.plural(sk.count, t.contacts.preview.willSkip)} {reasonText({ reasonCode: sk.reason })}{' '}
              <span className="muted">
                {t.contacts.preview.example} {sk.samples.map((x) => x.name).join(', ')}
              </span>
            </p>
          ))}
          {importPreview.crm ? (
            <p>
              {format(t.contacts.preview.twoWayExport, {
                toExport: i18n.number(importPreview.crm.toExport),
                total: i18n.number(importPreview.crm.total),
                crm: crmName,
                provider: PROVIDER_NAME[account.provider],
              })}
            </p>
          ) : null}
        </div>
      ) : null}
      {error ? <Notice tone="err">{error}</Notice> : null}
      <div className="flex gap-2">
        {direction !== 'crm_to_provider' ? (
          <button
            className="btn"
            disabled={!!busy || !groupId}
            data-testid="import-preview-button"
            onClick={() =>
              run('preview', async () =>
                setImportPreview(
                  await bridge.api<ImportPreview>(
                    `/api/embedded/contacts/preview?accountId=${encodeURIComponent(account.id)}&direction=${encodeURIComponent(direction)}&groupId=${encodeURIComponent(groupId)}`,
                  ),
                ),
              )
            }
          >
            {busy === 'preview' ? t.contacts.setup.counting : t.contacts.setup.preview}
          </button>
        ) : null}
        {direction === 'crm_to_provider' ? (
          <button
            className="btn"
            disabled={!!busy}
            data-testid="preview-button"
            onClick={() => run('preview', async () => setPreview(await bridge.api<Preview>(`/api/embedded/contacts/preview?accountId=${encodeURIComponent(account.id)}`)))}
          >
            {busy === 'preview' ? t.contacts.setup.counting : t.contacts.setup.preview}
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
                body: JSON.stringify({ accountId: account.id, direction, groupId: groupId || null, groupName: group?.name ?? null, conflictPolicy: policy, visibility, matchByEmail, matchScope: direction === 'provider_to_crm' ? matchScope : 'own', expectedTotal: preview?.total ?? null }),
              });
              bridge.snackbar(t.contacts.setup.started);
              onStarted();
            })
          }
        >
          {busy === 'start' ? t.contacts.setup.starting : t.contacts.setup.start}
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
    pendingDeleteItems: PendingDeleteItem[];
  };
  inSync: number;
  skippedCount: number;
  running: boolean;
  instant: { enabled: boolean; reason: 'webhook' | 'webhook_failed' | 'hourly'; detail: string | null };
  /** B1 provider → CRM (null when the sync only exports). */
  watch: { mode: 'push' | 'poll' | 'push_failed' | 'hourly'; lastChangeAt: string | null; detail: string | null } | null;
  run: (RunView & { counts: Record<string, number>; errorMessage: string | null }) | null;
  lastCounts: Record<string, number> | null;
  recent: ActivityView[];
  skipped: SkippedView[];
  restorable: { id: string; label: string | null; deletedAt: string | null; side: 'crm' | 'provider' | null }[];
};

function SyncDashboard({ syncId, crm, onChanged }: { syncId: string; crm: 'pipedrive' | 'teamleader'; onChanged: () => void }) {
  const bridge = useBridge();
  const i18n = useI18n();
  const { t, format, rich, date: when } = i18n;
  const d = t.contacts.dashboard;
  const [data, setData] = useState<Dashboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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
    void load();
  }, [load]);
  // Live (C13): a run starting or ending also changes the card above and the account's setup, so say so.
  const running = !!data?.running;
  const poll = useCallback(
    () =>
      load().then((d) => {
        if (d && d.running !== running) onChanged();
        return !!d?.running;
      }),
    [load, running, onChanged],
  );
  useLivePoll(poll, running, !!data);

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

  if (!data) return error ? <Notice tone="err">{error}</Notice> : <p className="muted">{d.loading}</p>;
  const { sync, run } = data;
  const counts = (data.running ? run?.counts : data.lastCounts) ?? {};
  const answerDeletes = async (approve: boolean) => {
    const answer = await bridge.api<{ unlinked?: number }>(`/api/embedded/contacts/syncs/${syncId}/deletes`, { method: 'POST', body: JSON.stringify({ approve }) });
    await load();
    return { unlinked: answer?.unlinked ?? 0 };
  };
  return (
    <div className="card space-y-3 p-3" data-testid="dashboard" data-running={data.running ? 'true' : 'false'}>
      <StatusHeader
        title={directionLabel(i18n, sync.direction, sync.provider, crm)}
        subtitle={
          <>
            {sync.account}
            {sync.groupName ? ` · ${format(d.group, { group: sync.groupName })}` : ''}
          </>
        }
        status={sync.status}
        running={data.running}
        busy={busy}
        onRefresh={refresh}
        labels={d}
      />

      {data.running && run ? <RunProgress run={run} labels={d} /> : null}

      {sync.status === 'needs_reconnect' || sync.status === 'error' ? (
        <Notice tone="err">{sync.lastErrorCode || sync.lastErrorMessage ? <ErrorText code={sync.lastErrorCode} detail={sync.lastErrorMessage} /> : d.stopped}</Notice>
      ) : sync.lastErrorMessage && !data.running ? (
        <Notice tone="warn">
          {rich(d.lastRunProblem, { message: <ErrorText code={sync.lastErrorCode} detail={sync.lastErrorMessage} /> })}
        </Notice>
      ) : null}

      {sync.status === 'paused_deletes' ? <DeleteBrakePrompt count={sync.pendingDeletes} items={sync.pendingDeleteItems ?? []} labels={d} onAnswer={answerDeletes} /> : null}

      <dl className="grid grid-cols-2 gap-2 text-[13px] sm:grid-cols-3">
        <Stat label={d.stat.inSync} value={data.inSync} testId="in-sync-count" />
      </dl>
      {/* Added / updated / deleted are one run's counts, not totals: say which run. */}
      <p className="muted text-[12px] font-semibold" data-testid="counts-caption">
        {data.running ? d.currentRunCounts : d.lastRunCounts}
      </p>
      <dl className={`grid grid-cols-2 gap-2 text-[13px] ${counts.conflicts ? 'sm:grid-cols-4' : 'sm:grid-cols-3'}`}>
        <Stat label={d.stat.added} value={counts.added ?? 0} testId="count-added" />
        <Stat label={d.stat.updated} value={counts.updated ?? 0} testId="count-updated" />
        <Stat label={d.stat.deleted} value={counts.deleted ?? 0} testId="count-deleted" />
        {counts.conflicts ? <Stat label={d.stat.conflicts} value={counts.conflicts} testId="count-conflicts" /> : null}
      </dl>
      <p className="muted text-[12px]">
        {format(d.schedule, { last: when(sync.lastRunAt), next: sync.status === 'active' ? when(sync.nextRunAt) : '—' })}
      </p>
      {sync.direction !== 'provider_to_crm' ? (
        <p className="muted text-[12px]" data-testid="instant-updates">
          {instantNote(i18n, data.instant, crm, sync.provider)}
        </p>
      ) : null}
      {data.watch ? (
        <p className="muted text-[12px]" data-testid="provider-watch" title={data.watch.detail ?? undefined}>
          {watchNote(i18n, data.watch, crm, sync.provider)}
        </p>
      ) : null}

      <ActivityList items={data.recent} placeOf={(side) => (side === 'crm' ? CRM_NAME[crm] : PROVIDER_NAME[sync.provider])} labels={d} />
      <SkippedList
        count={data.skippedCount}
        items={data.skipped}
        title={d.skippedTitle}
        retryLabel={d.retry}
        onRetry={async (linkId) => {
          try {
            await bridge.api(`/api/embedded/contacts/syncs/${syncId}/retry`, { method: 'POST', body: JSON.stringify({ linkId }) });
          } catch (e) {
            setError((e as ApiError).message);
          }
          await load();
        }}
      />
      {data.restorable.length ? (
        <details data-testid="restorable-list">
          <summary className="cursor-pointer text-[13px] font-semibold">{d.restorableTitle}</summary>
          <ul className="mt-1 space-y-1 text-[13px]">
            {data.restorable.map((r) => (
              <li key={r.id} className="flex items-center justify-between gap-2">
                <span>
                  {r.label}{' '}
                  <span className="muted">
                    · {format(d.deletedIn, { place: r.side === 'crm' ? CRM_NAME[crm] : PROVIDER_NAME[sync.provider], when: when(r.deletedAt) })}
                  </span>
                </span>
                <button
                  className="btn text-[12px]"
                  data-testid="restore"
                  onClick={async () => {
                    try {
                      await bridge.api(`/api/embedded/contacts/syncs/${syncId}/restore`, { method: 'POST', body: JSON.stringify({ linkId: r.id }) });
                      bridge.snackbar(format(d.restored, { label: r.label ?? d.contactFallback }));
                    } catch (e) {
                      setError((e as ApiError).message);
                    }
                    await load();
                  }}
                >
                  {d.restore}
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
            if (!(await bridge.confirm(d.stopTitle, d.stopBody, d.stop))) return;
            await bridge.api(`/api/embedded/contacts/syncs/${syncId}`, { method: 'DELETE' });
            onChanged();
          }}
        >
          {d.stop}
        </button>
      </div>
    </div>
  );
}

/** Instant updates, worded from the server's code in the user's language (the vendor's message only as a tooltip). */
function instantNote(i18n: I18n, instant: Dashboard['instant'], crm: 'pipedrive' | 'teamleader', provider: 'google' | 'microsoft'): string {
  const d = i18n.t.contacts.dashboard;
  if (instant.reason === 'webhook') return i18n.format(d.instantOn, { crm: CRM_NAME[crm], provider: PROVIDER_NAME[provider] });
  if (instant.reason === 'webhook_failed') return i18n.format(d.instantOff, { crm: CRM_NAME[crm] });
  return d.runsHourly;
}

/** Provider → CRM speed (B1), worded from the server's mode in the user's language (Outlook's refusal only as a tooltip). */
function watchNote(i18n: I18n, watch: NonNullable<Dashboard['watch']>, crm: 'pipedrive' | 'teamleader', provider: 'google' | 'microsoft'): string {
  const d = i18n.t.contacts.dashboard;
  const params = { crm: CRM_NAME[crm], provider: PROVIDER_NAME[provider] };
  const text = { push: d.watchPush, poll: d.watchPoll, push_failed: d.watchPushFailed, hourly: d.watchHourly }[watch.mode];
  return i18n.format(text, params);
}

/** A run problem in the user's language: the error code's sentence, the vendor's detail behind "Details". */
function ErrorText({ code, detail }: { code: string | null; detail: string | null }) {
  const { t } = useI18n();
  const known = code && hasKey(t.errors, code) && code !== 'details' ? t.errors[code] : null;
  if (!known) return <>{detail}</>;
  return (
    <>
      {known}
      {detail && detail !== known ? (
        <details className="mt-1 text-[12px]">
          <summary className="cursor-pointer">{t.errors.details}</summary>
          <span className="muted">{detail}</span>
        </details>
      ) : null}
    </>
  );
}
