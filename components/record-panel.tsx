'use client';
/** The record panel: shows the record it is opened on, read through the CRM API with the user's token. */
import { useCallback, useEffect, useState } from 'react';
import { useBridge, ApiError } from './crm-bridge';
import { useI18n } from './i18n';
import { Notice } from './sync/notice';
import { hasKey } from '@/lib/i18n';

type Record = { resource: string; id: string; title: string; fields: { label: string; value: string }[]; webUrl: string };

export function RecordPanel({ resource, id }: { resource: string; id: string }) {
  const bridge = useBridge();
  const { t, setCrmLocale } = useI18n();
  const [record, setRecord] = useState<Record | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!bridge.ready) return;
    // The panel speaks the CRM user's language too; a failure here only costs the translation.
    bridge
      .api<{ locale?: string | null }>('/api/embedded/context')
      .then((c) => setCrmLocale(c.locale))
      .catch(() => undefined);
  }, [bridge.ready, bridge.api, setCrmLocale]);

  useEffect(() => {
    if (!bridge.ready || !id) return;
    bridge
      .api<{ record: Record }>(`/api/embedded/record?resource=${encodeURIComponent(resource)}&id=${encodeURIComponent(id)}`)
      .then((r) => setRecord(r.record))
      .catch((e: ApiError) => setError(e.message));
  }, [bridge.ready, bridge.api, resource, id]);

  if (bridge.error) return <Notice tone="err">{bridge.error}</Notice>;
  const problem = !id && bridge.ready ? t.panel.missingRecordId : error;
  if (problem) return <div className="p-3"><Notice tone="err">{problem}</Notice></div>;
  if (!record) return <p className="muted p-3">{t.common.loading}</p>;
  // Field labels come from the server and stay English for now.
  return (
    <div className="space-y-2 p-3" data-testid="record-panel">
      <p className="muted text-[12px] uppercase tracking-wide">
        Synclane · {hasKey(t.panel.resource, record.resource) ? t.panel.resource[record.resource] : record.resource}
      </p>
      <h1 className="text-base font-semibold" data-testid="record-title">
        {record.title}
      </h1>
      <dl className="space-y-1 text-[13px]">
        {record.fields.map((f) => (
          <div key={f.label} className="flex gap-2">
            <dt className="muted w-20 shrink-0">{f.label}</dt>
            <dd className="break-all">{f.value}</dd>
          </div>
        ))}
      </dl>
      <DropboxButton module={record.resource} id={record.id} />
    </div>
  );
}

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
