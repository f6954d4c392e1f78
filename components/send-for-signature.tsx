'use client';
/**
 * S5: send a document for signature from a CRM record — one of the record's own files, or a file picked from
 * Dropbox (the record's Dropbox folder first, any folder of Synclane's app folder from there). The record goes
 * into the request's metadata, so the signed PDF comes back onto it (B7). Used by the Pipedrive record panel and
 * the Teamleader settings page.
 */
import { useState } from 'react';
import { useBridge, type ApiError } from './crm-bridge';
import { useI18n } from './i18n';
import { Notice } from './sync/notice';

type Listing = {
  recordFolder: { id: string; path: string } | null;
  folder: { id: string | null; path: string; parent: string | null };
  entries: { kind: 'file' | 'folder'; id: string; name: string; size: number | null }[];
  truncated: boolean;
};
type Source = { kind: 'record' | 'dropbox'; fileId: string; name: string };

const stem = (name: string) => name.replace(/\.[^.]+$/, '');

export function SendForSignature({ module, recordId }: { module: string; recordId: string }) {
  const bridge = useBridge();
  const { t, format } = useI18n();
  const s = t.signatures;
  const p = s.picker;
  const [files, setFiles] = useState<{ id: string; name: string }[] | null>(null);
  const [tab, setTab] = useState<'record' | 'dropbox'>('record');
  const [listing, setListing] = useState<Listing | null>(null);
  const [loading, setLoading] = useState(false);
  const [source, setSource] = useState<Source | null>(null);
  const [form, setForm] = useState({ title: '', name: '', email: '' });
  const [message, setMessage] = useState<{ tone: 'ok' | 'err'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const q = `module=${encodeURIComponent(module)}&recordId=${encodeURIComponent(recordId)}`;

  const open = () => {
    if (files) return;
    bridge
      .api<{ files: { id: string; name: string }[] }>(`/api/embedded/signatures/send?${q}`)
      .then((r) => {
        setFiles(r.files);
        if (!r.files.length) void browse(undefined);
      })
      .catch((e: ApiError) => setMessage({ tone: 'err', text: e.message }));
  };

  const browse = async (at: string | undefined) => {
    setTab('dropbox');
    setLoading(true);
    try {
      setListing(await bridge.api<Listing>(`/api/embedded/signatures/dropbox?${q}${at === undefined ? '' : `&at=${encodeURIComponent(at)}`}`));
    } catch (e) {
      setMessage({ tone: 'err', text: (e as ApiError).message });
    } finally {
      setLoading(false);
    }
  };

  const choose = (next: Source) => {
    setSource(next);
    setForm((f) => ({ ...f, title: f.title || stem(next.name) }));
  };

  const send = async () => {
    if (!source) return;
    setBusy(true);
    setMessage(null);
    try {
      await bridge.api('/api/embedded/signatures/send', {
        method: 'POST',
        body: JSON.stringify({ module, recordId, title: form.title, signers: [{ name: form.name, email: form.email }], source: { kind: source.kind, fileId: source.fileId } }),
      });
      setMessage({ tone: 'ok', text: s.sendDone });
    } catch (e) {
      setMessage({ tone: 'err', text: (e as ApiError).message });
    } finally {
      setBusy(false);
    }
  };
  const valid = source && form.title.trim() && form.name.trim() && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email.trim());

  return (
    <details className="mt-2" onToggle={open} data-testid="send-for-signature">
      <summary className="cursor-pointer text-[13px] font-semibold">{s.sendTitle}</summary>
      {files ? (
        <form
          className="mt-1 space-y-1 text-[13px]"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) void send();
          }}
        >
          <div className="flex gap-2" role="tablist">
            <button type="button" role="tab" aria-selected={tab === 'record'} className={`btn ${tab === 'record' ? 'btn-primary' : ''}`} onClick={() => setTab('record')} data-testid="pick-record-file">
              {p.fromRecord}
            </button>
            <button type="button" role="tab" aria-selected={tab === 'dropbox'} className={`btn ${tab === 'dropbox' ? 'btn-primary' : ''}`} onClick={() => void browse(listing ? (listing.folder.id ?? '') : undefined)} data-testid="pick-dropbox-file">
              {p.fromDropbox}
            </button>
          </div>
          {tab === 'record' ? (
            files.length ? (
              <label className="block">
                {s.sendFile}{' '}
                <select
                  className="input"
                  value={source?.kind === 'record' ? source.fileId : ''}
                  onChange={(e) => {
                    const f = files.find((x) => x.id === e.target.value);
                    if (f) choose({ kind: 'record', fileId: f.id, name: f.name });
                  }}
                  data-testid="record-file-select"
                >
                  <option value="" />
                  {files.map((f) => (
                    <option key={f.id} value={f.id}>
                      {f.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <p className="muted">{s.sendNoFiles}</p>
            )
          ) : (
            <DropboxBrowser listing={listing} loading={loading} chosen={source?.kind === 'dropbox' ? source.fileId : null} onOpen={(at) => void browse(at)} onChoose={(f) => choose({ kind: 'dropbox', fileId: f.id, name: f.name })} />
          )}
          {source ? <p data-testid="chosen-document">{format(p.chosen, { name: source.name })}</p> : null}
          <input className="input block w-full" value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} aria-label={s.sendTitle} data-testid="send-title" />
          <input className="input block w-full" placeholder={s.sendSignerName} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} data-testid="send-signer-name" />
          <input className="input block w-full" type="email" placeholder={s.sendSignerEmail} value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} data-testid="send-signer-email" />
          <button className="btn btn-primary" disabled={!valid || busy} type="submit" data-testid="send-button">
            {s.sendButton}
          </button>
        </form>
      ) : null}
      {message ? <Notice tone={message.tone}>{message.text}</Notice> : null}
    </details>
  );
}

function DropboxBrowser(props: { listing: Listing | null; loading: boolean; chosen: string | null; onOpen: (at: string) => void; onChoose: (f: { id: string; name: string }) => void }) {
  const { t } = useI18n();
  const p = t.signatures.picker;
  const { listing } = props;
  if (!listing) return <p className="muted">{p.loading}</p>;
  const inRecordFolder = listing.recordFolder && listing.folder.id === listing.recordFolder.id;
  return (
    <div className="space-y-1" data-testid="dropbox-picker">
      <div className="flex flex-wrap gap-2">
        {listing.recordFolder ? (
          <button type="button" className="btn" disabled={!!inRecordFolder} onClick={() => props.onOpen(listing.recordFolder!.id)}>
            {p.recordFolder}
          </button>
        ) : null}
        <button type="button" className="btn" disabled={!listing.folder.id} onClick={() => props.onOpen('')} data-testid="picker-app-folder">
          {p.appFolder}
        </button>
        {listing.folder.parent !== null ? (
          <button type="button" className="btn" onClick={() => props.onOpen(listing.folder.parent!)} data-testid="picker-up">
            {p.up}
          </button>
        ) : null}
      </div>
      {!listing.recordFolder && listing.folder.id === null ? <p className="muted">{p.noRecordFolder}</p> : null}
      <p className="muted text-[12px]" data-testid="picker-path">{listing.folder.path || '/'}</p>
      {props.loading ? <p className="muted">{p.loading}</p> : null}
      {listing.entries.length ? (
        <ul className="max-h-48 overflow-auto" role="listbox">
          {listing.entries.map((e) => (
            <li key={e.id}>
              {e.kind === 'folder' ? (
                <button type="button" className="text-left underline decoration-dotted" onClick={() => props.onOpen(e.id)} data-testid="picker-folder">
                  📁 {e.name}
                </button>
              ) : (
                <button type="button" role="option" aria-selected={props.chosen === e.id} className={`text-left underline decoration-dotted ${props.chosen === e.id ? 'font-semibold' : ''}`} onClick={() => props.onChoose(e)} data-testid="picker-file">
                  {e.name}
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{p.empty}</p>
      )}
    </div>
  );
}
