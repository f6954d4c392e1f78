/** A one-line message box in the CRM's colours (info, success, warning, error). */
export function Notice({ tone, children }: { tone: 'ok' | 'warn' | 'err' | 'info'; children: React.ReactNode }) {
  const style =
    tone === 'err'
      ? { background: 'var(--err-bg)', color: 'var(--danger)' }
      : tone === 'warn'
        ? { background: 'var(--warn-bg)', color: 'var(--warning)' }
        : tone === 'ok'
          ? { background: 'var(--ok-bg)', color: 'var(--primary)' }
          : { background: 'var(--surface-2)', color: 'var(--text)' };
  return (
    <div role={tone === 'err' ? 'alert' : 'status'} className="rounded-md px-3 py-2 text-[13px]" style={style}>
      {children}
    </div>
  );
}
