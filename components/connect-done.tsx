'use client';
import { useEffect } from 'react';

/** Tells the settings page how the link ended and closes the popup; the label comes from the server page. */
export function ConnectDone({ status, autoClose, closeLabel }: { status: string; autoClose: boolean; closeLabel: string }) {
  useEffect(() => {
    try {
      window.opener?.postMessage({ type: 'synclane:link-finished', status }, '*');
    } catch {
      /* opener gone */
    }
    if (autoClose) {
      const t = setTimeout(() => window.close(), 1200);
      return () => clearTimeout(t);
    }
  }, [status, autoClose]);
  return (
    <button className="btn mt-6" onClick={() => window.close()}>
      {closeLabel}
    </button>
  );
}
