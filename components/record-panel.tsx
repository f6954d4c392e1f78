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
        <SendForSignature crm={crm} resource={resource} id={id} />
      </section>
    </div>
  );
}

/** S5: send one of the record's files for signature; the record goes into the request's metadata (B7). */
function SendForSignature({ crm, resource, id }: { crm: string | null; resource: string; id: string }) {
  const bridge = useBridge();
  const { t } = useI18n();
  const s = t.signatures;
  // Teamleader calls persons contacts and organizations companies.
  const module = crm === 'teamleader' ? ({ person: 'contact', organization: 'company' } as { [k: string]: string })[resource] ?? resource : resource;
  const [files, setFiles] = useState<{ id: string; name: string }[] | null>(null);
  const [form, setForm] = useState({ fileId: '', title: '', name: '', email: '' });
  const [message, setMessage] = useState<{ tone: 'ok' | 'err'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const open = () => {
    if (files) return;
    bridge
      .api<{ files: { id: string; name: string }[] }>(`/api/embedded/signatures/send?module=${encodeURIComponent(module)}&recordId=${encodeURIComponent(id)}`)
      .then((r) => setFiles(r.files))
      .catch((e: ApiError) => setMessage({ tone: 'err', text: e.message }));
  };
  const send = async () => {
    setBusy(true);
    setMessage(null);
    try {
      await bridge.api('/api/embedded/signatures/send', {
        method: 'POST',
        body: JSON.stringify({ module, recordId: id, title: form.title, signers: [{ name: form.name, email: form.email }], source: { kind: 'record', fileId: form.fileId } }),
      });
      setMessage({ tone: 'ok', text: s.sendDone });
    } catch (e) {
      setMessage({ tone: 'err', text: (e as ApiError).message });
    } finally {
      setBusy(false);
    }
  };
  const valid = form.fileId && form.title.trim() && form.name.trim() && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email.trim());
  return (
    <details className="mt-2" onToggle={open} data-testid="send-for-signature">
      <summary className="cursor-pointer text-[13px] font-semibold">{s.sendTitle}</summary>
      {files && !files.length ? <p className="muted text-[13px]">{s.sendNoFiles}</p> : null}
      {files?.length ? (
        <form
          className="mt-1 space-y-1 text-[13px]"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) void send();
          }}
        >
          <label className="block">
            {s.sendFile}{' '}
            <select className="input" value={form.fileId} onChange={(e) => setForm({ ...form, fileId: e.target.value, title: form.title || e.target.selectedOptions[0]?.text.replace(/\.[^.]+$/, '') || '' })}>
              <option value="" />
              {files.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
          </label>
          <input className="input block w-full" value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} aria-label={s.sendTitle} />
          <input className="input block w-full" placeholder={s.sendSignerName} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          <input className="input block w-full" type="email" placeholder={s.sendSignerEmail} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          <button className="btn btn-primary" disabled={!valid || busy} type="submit">
            {s.sendButton}
          </button>
        </form>
      ) : null}
      {message ? <Notice tone={message.tone}>{message.text}</Notice> : null}
    </details>
  );
}
