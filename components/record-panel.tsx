'use client';
/** The record panel: shows the record it is opened on, read through the CRM API with the user's token. */
import { useEffect, useState } from 'react';
import { useBridge, ApiError } from './crm-bridge';
import { Notice } from './settings-app';

type Record = { resource: string; id: string; title: string; fields: { label: string; value: string }[]; webUrl: string };

export function RecordPanel({ resource, id }: { resource: string; id: string }) {
  const bridge = useBridge();
  const [record, setRecord] = useState<Record | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!bridge.ready) return;
    if (!id) {
      setError('Pipedrive did not tell us which record this panel is on.');
      return;
    }
    bridge
      .api<{ record: Record }>(`/api/embedded/record?resource=${encodeURIComponent(resource)}&id=${encodeURIComponent(id)}`)
      .then((r) => setRecord(r.record))
      .catch((e: ApiError) => setError(e.message));
  }, [bridge.ready, bridge.api, resource, id]);

  if (bridge.error) return <Notice tone="err">{bridge.error}</Notice>;
  if (error) return <div className="p-3"><Notice tone="err">{error}</Notice></div>;
  if (!record) return <p className="muted p-3">Loading…</p>;
  return (
    <div className="space-y-2 p-3" data-testid="record-panel">
      <p className="muted text-[12px] uppercase tracking-wide">Synclane · {record.resource}</p>
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
    </div>
  );
}
