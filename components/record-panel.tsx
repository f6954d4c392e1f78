'use client';
/** The record panel: shows the record it is opened on, read through the CRM API with the user's token. */
import { useEffect, useState } from 'react';
import { useBridge, ApiError } from './crm-bridge';
import { useI18n } from './i18n';
import { Notice } from './sync/notice';
import { hasKey } from '@/lib/i18n';

type Record = { resource: string; id: string; title: string; fields: { label: string; value: string }[]; webUrl: string };
type SignatureDoc = { title: string; state: 'waiting' | 'archived' | 'failed'; isComplete: boolean; attachState: string | null };

export function RecordPanel({ resource, id }: { resource: string; id: string }) {
  const bridge = useBridge();
  const { t, setCrmLocale } = useI18n();
  const [record, setRecord] = useState<Record | null>(null);
  const [signatures, setSignatures] = useState<SignatureDoc[]>([]);
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
      .api<{ record: Record; signatures?: SignatureDoc[] }>(`/api/embedded/record?resource=${encodeURIComponent(resource)}&id=${encodeURIComponent(id)}`)
      .then((r) => {
        setRecord(r.record);
        setSignatures(r.signatures ?? []);
      })
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
      </section>
    </div>
  );
}
