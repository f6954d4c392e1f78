'use client';
/** Settings page body (Pipedrive app settings iframe and the Teamleader settings page). */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useBridge, ApiError } from './crm-bridge';
import { PillarSection } from './pillar-sections';
import { Notice } from './sync/notice';
import { useLivePoll } from './sync/live-poll';
import { useI18n } from './i18n';
import { formatSyncCounts, hasKey, type Locale, type Messages } from '@/lib/i18n';

type Context = {
  crm: 'pipedrive' | 'teamleader';
  company: { id: string; name: string };
  user: { id: string; name: string; isAdmin: boolean; status: string };
  locale?: string | null;
  integrations: { id: string; available: boolean; state: string; accounts?: string[]; activeSyncs?: number; runningSyncs?: number }[];
};

export function StateBadge({ state }: { state: string }) {
  const { t } = useI18n();
  const classes: Record<string, string> = { connected: 'badge-ok', needs_reconnect: 'badge-err' };
  const label = hasKey(t.settings.state, state) ? t.settings.state[state] : state;
  return <span className={`badge ${classes[state] ?? ''}`}>{label}</span>;
}

/** Every card's words come from the catalogue by the pillar's id (B8); the server sends only state. */
function integrationCopy(t: Messages, locale: Locale, integration: Context['integrations'][number]) {
  const copy = hasKey(t.settings.integrations, integration.id) ? t.settings.integrations[integration.id] : { name: integration.id, description: '' };
  return {
    name: copy.name,
    description: copy.description,
    detail:
      integration.state === 'unavailable'
        ? t.settings.notInThisRelease
        : integration.accounts?.length
          ? [integration.accounts.join(', '), ...formatSyncCounts(locale, t, integration.activeSyncs ?? 0, integration.runningSyncs ?? 0)].join(' · ')
          : undefined,
  };
}

export function SettingsApp() {
  const bridge = useBridge();
  const { t, format, rich, setCrmLocale, locale } = useI18n();
  const [ctx, setCtx] = useState<Context | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [retryWhenReady, setRetryWhenReady] = useState(false);
  const loadContext = useCallback(() => {
    bridge
      .api<Context>('/api/embedded/context')
      .then((c) => {
        setCrmLocale(c.locale);
        setCtx(c);
      })
      .catch((e: ApiError) => {
        // Loaded early with the URL token (see below) and refused: try again with a fresh SDK token.
        if (!bridge.ready) setRetryWhenReady(true);
        else setError(e.message);
      });
  }, [bridge.api, bridge.ready, setCrmLocale]);
  // The context needs no SDK: with the token Pipedrive put in the iframe URL it loads while the SDK handshake
  // runs (first paint of the iframe, Performance), instead of after it.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    loadContext();
  }, [loadContext]);
  useEffect(() => {
    if (bridge.ready && retryWhenReady) {
      setRetryWhenReady(false);
      loadContext();
    }
  }, [bridge.ready, retryWhenReady, loadContext]);
  // Live card counts (C13): "N running now" follows the runs — re-read often while one goes, now and then
  // otherwise (runs also start from CRM webhooks and the hourly schedule). A failed re-read keeps the page.
  const running = !!ctx?.integrations.some((i) => (i.runningSyncs ?? 0) > 0);
  const poll = useCallback(
    () =>
      bridge.api<Context>('/api/embedded/context').then((c) => {
        setCtx(c);
        return c.integrations.some((i) => (i.runningSyncs ?? 0) > 0);
      }),
    [bridge.api],
  );
  useLivePoll(poll, running, bridge.ready && !!ctx);

  if (bridge.error) return <Notice tone="err">{bridge.error}</Notice>;
  if (error) return <Notice tone="err">{error}</Notice>;
  if (!ctx) return <p className="muted p-4">{t.settings.loading}</p>;

  return (
    <div className="space-y-4 p-4" data-testid="settings">
      <header className="flex items-start justify-between gap-4">
        <div>
          <h1 className="text-lg font-bold">Synclane</h1>
          <p className="muted" data-testid="connected-company">
            {rich(ctx.user.isAdmin ? t.settings.connectedAsAdmin : t.settings.connectedAs, {
              company: <strong style={{ color: 'var(--text)' }}>{ctx.company.name}</strong>,
              user: ctx.user.name,
            })}
          </p>
        </div>
        <span className="badge badge-ok">{ctx.crm === 'pipedrive' ? 'Pipedrive' : 'Teamleader Focus'}</span>
      </header>
      {ctx.user.status === 'needs_reconnect' ? (
        <Notice tone="err">{format(t.settings.lostAccess, { crm: ctx.crm === 'pipedrive' ? 'Pipedrive' : 'Teamleader' })}</Notice>
      ) : null}
      <section className="space-y-3">
        {ctx.integrations.map((i) => {
          const copy = integrationCopy(t, locale, i);
          return (
            <div key={i.id} className="card p-4" data-testid={`integration-${i.id}`}>
              <div className="flex items-center justify-between gap-3">
                <div>
                  <h2 className="font-semibold">{copy.name}</h2>
                  <p className="muted text-[13px]">{copy.description}</p>
                </div>
                <StateBadge state={i.state} />
              </div>
              {copy.detail ? <p className="muted mt-2 text-[13px]">{copy.detail}</p> : null}
              <PillarSection id={i.id} crm={ctx.crm} onChanged={loadContext} />
            </div>
          );
        })}
      </section>
    </div>
  );
}

