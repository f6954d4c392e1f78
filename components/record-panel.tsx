'use client';
/** The record panel: shows the record it is opened on, read through the CRM API with the user's token. */
import { useCallback, useEffect, useState } from 'react';
import { useBridge, ApiError } from './crm-bridge';
import { useI18n } from './i18n';
import { Notice } from './sync/notice';
import { hasKey } from '@/lib/i18n';
import { useReasonText } from './sync/reason-text';
import { SendForSignature } from './send-for-signature';

/** Teamleader calls persons contacts and organizations companies. */
const crmModuleOf = (crm: string | null, resource: string) =>
  crm === 'teamleader' ? ({ person: 'contact', organization: 'company' } as { [k: string]: string })[resource] ?? resource : resource;
import type { PersonSyncStatus } from '@/lib/contacts/record-status';

const PROVIDER_NAME = { google: 'Google Contacts', microsoft: 'Microsoft Outlook' } as const;

type Record = { resource: string; id: string; title: string; fields: { label: string; value: string }[]; webUrl: string };
type SignatureDoc = { title: string; state: 'waiting' | 'archived' | 'failed'; isComplete: boolean; attachState: string | null };

export function RecordPanel({ resource, id }: { resource: string; id: string }) {
  const bridge = useBridge();
  const { t, setCrmLocale } = useI18n();
  const [record, setRecord] = useState<Record | null>(null);
  const [contacts, setContacts] = useState<PersonSyncStatus[]>([]);
  const [signatures, setSignatures] = useState<SignatureDoc[]>([]);
  const [crm, setCrm] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!bridge.ready) return;
    // The panel speaks the CRM user's language too; a failure here only costs the translation.
    bridge
      .api<{ locale?: string | null; crm?: string }>('/api/embedded/context')
      .then((c) => {
        setCrmLocale(c.locale);
        setCrm(c.crm ?? null);
      })
      .catch(() => undefined);
  }, [bridge.ready, bridge.api, setCrmLocale]);

  const load = useCallback(
    () =>
      bridge
        .api<{ record: Record; contacts?: PersonSyncStatus[]; signatures?: SignatureDoc[] }>(`/api/embedded/record?resource=${encodeURIComponent(resource)}&id=${encodeURIComponent(id)}`)
        .then((r) => {
          setRecord(r.record);
          setContacts(r.contacts ?? []);
          setSignatures(r.signatures ?? []);
          return r.contacts ?? [];
        }),
    [bridge.api, resource, id],
  );
  useEffect(() => {
    if (bridge.ready && id) load().catch((e: ApiError) => setError(e.message));
  }, [bridge.ready, id, load]);

  // B4 Retry, as on the dashboard's skipped list: the sync runs now and evaluates this person again; the
  // panel re-reads until that run is over (the person is then in sync, or still skipped with its reason).
  const retry = async (syncId: string, linkId: string) => {
    await bridge.api(`/api/embedded/contacts/syncs/${syncId}/retry`, { method: 'POST', body: JSON.stringify({ linkId }) });
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      const item = (await load().catch(() => null))?.find((c) => c.syncId === syncId);
      if (item && (item.state !== 'skipped' || !item.running)) return;
    }
  };

  if (bridge.error) return <Notice tone="err">{bridge.error}</Notice>;
  const problem = !id && bridge.ready ? t.panel.missingRecordId : error;
  if (problem) return <div className="p-3"><Notice tone="err">{problem}</Notice></div>;
  if (!record) return <p className="muted p-3">{t.common.loading}</p>;
  // The CRM's own fields are on the page around this panel: the panel shows only what Synclane knows.
  return (
    <div className="space-y-2 p-3" data-testid="record-panel">
      <p className="muted text-[12px] uppercase tracking-wide">
        Synclane · {hasKey(t.panel.resource, record.resource) ? t.panel.resource[record.resource] : record.resource}
      </p>
      <h1 className="text-base font-semibold" data-testid="record-title">
        {record.title}
      </h1>
      {contacts.length ? <ContactSyncStatus items={contacts} onRetry={retry} /> : null}
      <DropboxButton module={record.resource} id={record.id} />
      {/* B9: the record's signature documents (Dropbox Sign archive). */}
      <section data-testid="record-signatures">
        <h2 className="text-[13px] font-semibold">{t.signatures.recordTitle}</h2>
        {signatures.length ? (
          <ul className="space-y-0.5 text-[13px]">
            {signatures.map((s, i) => (
              <li key={i}>
                {s.title}{' '}
                <span className={`badge ${s.state === 'archived' ? 'badge-ok' : s.state === 'failed' ? 'badge-err' : 'badge-warn'}`}>
                  {s.state === 'archived' ? t.signatures.archived : s.state === 'failed' ? t.signatures.failed : t.signatures.waiting}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted text-[13px]">{t.signatures.recordEmpty}</p>
        )}
        <SendForSignature module={crmModuleOf(crm, resource)} recordId={id} />
      </section>
    </div>
  );
}

/** B9: the person's state in each of the user's contact syncs, in the user's language. */
function ContactSyncStatus({ items, onRetry }: { items: PersonSyncStatus[]; onRetry: (syncId: string, linkId: string) => Promise<void> }) {
  const { t, format, date } = useI18n();
  const [retrying, setRetrying] = useState<string | null>(null);
  const [retryError, setRetryError] = useState<string | null>(null);
  const reasonText = useReasonText();
  const p = t.panel.sync;
  const crmName = bridgeCrmName();
  return (
    <section className="space-y-2 border-t pt-2 text-[13px]" style={{ borderColor: 'var(--border)' }} data-testid="panel-contact-sync">
      <h2 className="text-[12px] font-semibold uppercase tracking-wide">{p.title}</h2>
      {items.map((s) => (
        <div key={s.syncId} className="space-y-1" data-testid="panel-sync-item" data-state={s.state}>
          {s.state === 'linked' ? (
            <p>
              {format(p.linked, { account: s.account })}
              {s.contactUrl ? (
                <>
                  {' · '}
                  <a href={s.contactUrl} target="_blank" rel="noreferrer" data-testid="panel-contact-link">
                    {format(p.open, { provider: PROVIDER_NAME[s.provider] })}
                  </a>
                </>
              ) : null}
            </p>
          ) : s.state === 'skipped' && s.skip ? (
            <>
              <p>
                {format(p.skipped, { account: s.account })} {reasonText({ reasonCode: s.skip.reasonCode, reason: s.skip.reason })}
              </p>
              {/* The fix and the Retry on a row of their own: a button inside running text breaks its lines. */}
              <div className="flex flex-wrap items-center gap-3">
                <a href={s.skip.fixUrl} target="_blank" rel="noreferrer">
                  {format(p.fix, { crm: crmName })}
                </a>
                <button
                  className="btn text-[12px]"
                  data-testid="panel-retry"
                  disabled={retrying === s.syncId}
                  onClick={() => {
                    setRetrying(s.syncId);
                    setRetryError(null);
                    onRetry(s.syncId, s.skip!.linkId)
                      .catch((e: ApiError) => setRetryError(e.message))
                      .finally(() => setRetrying(null));
                  }}
                >
                  {retrying === s.syncId ? p.retrying : t.contacts.dashboard.retry}
                </button>
              </div>
            </>
          ) : s.state === 'deleted' ? (
            <p>{format(p.deleted, { account: s.account })}</p>
          ) : (
            <p className="muted">{format(p.notSynced, { account: s.account })}</p>
          )}
          {s.lastSyncedAt ? <p className="muted text-[12px]">{format(p.lastSynced, { when: date(s.lastSyncedAt) })}</p> : null}
          {s.pending ? <p className="muted text-[12px]">{p.pending}</p> : null}
          {s.conflicts.length ? (
            <details>
              <summary className="cursor-pointer text-[12px]">
                {p.conflicts} ({s.conflicts.length})
              </summary>
              <ul className="ml-4 list-disc text-[12px]">
                {s.conflicts.map((c, i) => (
                  <li key={i}>
                    {date(c.at)} · {reasonText({ reasonCode: c.reasonCode, params: c.params })}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ))}
      {retryError ? <Notice tone="err">{retryError}</Notice> : null}
    </section>
  );
}

/** The panel only opens inside Pipedrive (Teamleader has no iframe surface). */
const bridgeCrmName = () => 'Pipedrive';

type FilesStatus = { linked: false } | { linked: true; syncing: boolean; path: string | null };

/** F3: sync this record's files to Dropbox; its folder is created at once, even without files. */
function DropboxButton({ module, id }: { module: string; id: string }) {
  const bridge = useBridge();
  const { t, format } = useI18n();
  const f = t.files;
  const [status, setStatus] = useState<FilesStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const query = `/api/embedded/files/records?module=${encodeURIComponent(module)}&id=${encodeURIComponent(id)}`;

  const load = useCallback(() => {
    bridge
      .api<FilesStatus>(query)
      .then(setStatus)
      .catch((e: ApiError) => setError(e.message));
  }, [bridge.api, query]);

  useEffect(() => {
    if (bridge.ready) load();
  }, [bridge.ready, load]);

  // The folder appears after the first run; check back while it is being created.
  const waiting = status?.linked && status.syncing && !status.path;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, [waiting, load]);

  if (error) return <Notice tone="err">{error}</Notice>;
  if (!status) return null;
  if (!status.linked) return <p className="muted text-[12px]">{f.panelLinkFirst}</p>;
  if (status.syncing) return <p className="text-[12px]" data-testid="dropbox-status">{status.path ? format(f.panelSyncing, { path: status.path }) : f.panelStarting}</p>;
  return (
    <button
      className="btn"
      data-testid="dropbox-button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await bridge.api('/api/embedded/files/records', { method: 'POST', body: JSON.stringify({ module, record: id }) });
          load();
        } catch (e) {
          setError((e as ApiError).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      {f.panelButton}
    </button>
  );
}

