'use client';
import { useEffect, useState } from 'react';

/**
 * Hands the one-time link code to the settings page that opened this popup — postMessage to our own
 * origin only — and closes. Opened any other way (a forwarded URL, another browser), there is no opener:
 * the code goes nowhere and the page says nothing was linked (S1).
 */
export function ConnectDone(props: {
  status: string;
  code: string | null;
  provider: string | null;
  appOrigin: string;
  autoClose: boolean;
  title: string;
  body: string;
  noOpener: { title: string; body: string };
  closeLabel: string;
}) {
  const { status, code, provider, appOrigin, autoClose } = props;
  const [orphaned, setOrphaned] = useState(false);
  useEffect(() => {
    const opener = window.opener as Window | null;
    if (code && !opener) {
      setOrphaned(true);
      return;
    }
    try {
      opener?.postMessage({ type: 'synclane:link-finished', status, ...(code ? { code, provider } : {}) }, appOrigin);
    } catch {
      /* opener gone */
    }
    if (autoClose) {
      const t = setTimeout(() => window.close(), 1200);
      return () => clearTimeout(t);
    }
  }, [status, code, provider, appOrigin, autoClose]);
  const shown = orphaned ? props.noOpener : { title: props.title, body: props.body };
  return (
    <>
      <h1 className="text-lg font-bold" data-testid="connect-done-title" data-orphaned={orphaned ? 'true' : 'false'}>
        {shown.title}
      </h1>
      <p className="muted mt-2">{shown.body}</p>
      <button className="btn mt-6" onClick={() => window.close()}>
        {props.closeLabel}
      </button>
    </>
  );
}
