'use client';
import { useEffect } from 'react';

export function ConnectDone({ status, autoClose }: { status: string; autoClose: boolean }) {
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
      Close window
    </button>
  );
}
