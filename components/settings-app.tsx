'use client';
/** Settings page body (Pipedrive app settings iframe and the Teamleader settings page). */
import { useCallback, useEffect, useState } from 'react';
import { useBridge, ApiError } from './crm-bridge';
import { ContactsSection } from './contacts-section';

type Context = {
  crm: 'pipedrive' | 'teamleader';
  company: { id: string; name: string };
  user: { id: string; name: string; isAdmin: boolean; status: string };
  integrations: { id: string; name: string; description: string; available: boolean; state: string; detail?: string }[];
};

export function StateBadge({ state }: { state: string }) {
  const map: Record<string, [string, string]> = {
    connected: ['Connected', 'badge-ok'],
    not_connected: ['Not connected', ''],
    needs_reconnect: ['Needs reconnect', 'badge-err'],
    unavailable: ['Not available yet', ''],
  };
  const [label, cls] = map[state] ?? [state, ''];
  return <span className={`badge ${cls}`}>{label}</span>;
}

export function SettingsApp() {
  const bridge = useBridge();
  const [ctx, setCtx] = useState<Context | null>(null);
  const [error, setError] = useState<string | null>(null);

  const loadContext = useCallback(() => {
    bridge
      .api<Context>('/api/embedded/context')
      .then(setCtx)
      .catch((e: ApiError) => setError(e.message));
  }, [bridge.api]);
  useEffect(() => {
    if (bridge.ready) loadContext();
  }, [bridge.ready, loadContext]);

  if (bridge.error) return <Notice tone="err">{bridge.error}</Notice>;
  if (error) return <Notice tone="err">{error}</Notice>;
  if (!ctx) return <p className="muted p-4">Loading Synclane…</p>;

  return (
    <div className="space-y-4 p-4" data-testid="settings">
      <header className="flex items-start justify-between gap-4">
        <div>
          <h1 className="text-lg font-bold">Synclane</h1>
          <p className="muted" data-testid="connected-company">
            Connected to <strong style={{ color: 'var(--text)' }}>{ctx.company.name}</strong> as {ctx.user.name}
            {ctx.user.isAdmin ? ' (admin)' : ''}
          </p>
        </div>
        <span className="badge badge-ok">{ctx.crm === 'pipedrive' ? 'Pipedrive' : 'Teamleader Focus'}</span>
      </header>
      {ctx.user.status === 'needs_reconnect' ? (
        <Notice tone="err">
          Synclane lost access to your {ctx.crm === 'pipedrive' ? 'Pipedrive' : 'Teamleader'} account. Reinstall it from the Marketplace to
          reconnect; nothing was deleted.
        </Notice>
      ) : null}
      <section className="space-y-3">
        {ctx.integrations.map((i) => (
          <div key={i.id} className="card p-4" data-testid={`integration-${i.id}`}>
            <div className="flex items-center justify-between gap-3">
              <div>
                <h2 className="font-semibold">{i.name}</h2>
                <p className="muted text-[13px]">{i.description}</p>
              </div>
              <StateBadge state={i.state} />
            </div>
            {i.detail ? <p className="muted mt-2 text-[13px]">{i.detail}</p> : null}
            {i.id === 'contacts' ? <ContactsSection crm={ctx.crm} onChanged={loadContext} /> : null}
          </div>
        ))}
      </section>
    </div>
  );
}

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
