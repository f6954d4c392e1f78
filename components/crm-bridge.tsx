'use client';
/**
 * The page's link to its CRM. Inside Pipedrive: completes the app-extensions SDK handshake at once
 * (Pipedrive hides iframes that have not initialized within 10 s), follows the user's theme, resizes the
 * iframe to its content and signs every API call with a fresh JWT from GET_SIGNED_TOKEN. On Teamleader's
 * settings page (no iframe surface) calls carry the session cookie instead.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { I18nProvider, useI18n } from './i18n';

type Theme = 'light' | 'dark';
type SdkLike = {
  execute(command: string, args?: unknown): Promise<any>;
  listen(event: string, cb: (r: { data?: any; error?: unknown }) => void): () => void;
  userSettings?: { theme?: Theme };
};

export type Bridge = {
  mode: 'pipedrive' | 'teamleader';
  ready: boolean;
  theme: Theme;
  error: string | null;
  api<T = any>(path: string, init?: RequestInit): Promise<T>;
  snackbar(message: string): void;
  confirm(title: string, description: string, okText?: string): Promise<boolean>;
  sdk: SdkLike | null;
};

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
  }
}

const BridgeContext = createContext<Bridge | null>(null);
export const useBridge = () => {
  const b = useContext(BridgeContext);
  if (!b) throw new Error('useBridge outside CrmBridge');
  return b;
};

/** Every CRM page speaks the user's language: the bridge carries the i18n provider with it. */
export function CrmBridge(props: { mode: 'pipedrive' | 'teamleader'; children: ReactNode }) {
  return (
    <I18nProvider>
      <CrmBridgeInner {...props} />
    </I18nProvider>
  );
}

function CrmBridgeInner({ mode, children }: { mode: 'pipedrive' | 'teamleader'; children: ReactNode }) {
  const { t, format } = useI18n();
  const [sdk, setSdk] = useState<SdkLike | null>(null);
  const [ready, setReady] = useState(mode === 'teamleader');
  // The SDK's own failure text; the sentence around it is rendered in the user's language.
  const [sdkFailure, setSdkFailure] = useState<string | null>(null);
  const [theme, setTheme] = useState<Theme>(() => {
    if (typeof window === 'undefined') return 'light';
    return new URLSearchParams(window.location.search).get('theme') === 'dark' ? 'dark' : 'light';
  });
  const tokenRef = useRef<{ token: string; at: number } | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (mode !== 'pipedrive') {
      setTheme(window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
      return;
    }
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    (async () => {
      try {
        const mod = await import('@pipedrive/app-extensions-sdk');
        const instance = (await new mod.default().initialize({ size: { height: 420 } })) as unknown as SdkLike;
        if (cancelled) return;
        setSdk(instance);
        if (instance.userSettings?.theme) setTheme(instance.userSettings.theme);
        unsubscribe = instance.listen(mod.Event.USER_SETTINGS_CHANGE, ({ data }) => {
          if (data?.theme === 'dark' || data?.theme === 'light') setTheme(data.theme);
        });
        setReady(true);
      } catch (e) {
        setSdkFailure((e as Error).message);
      }
    })();
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  }, [mode]);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    document.documentElement.style.colorScheme = theme;
  }, [theme]);

  // Keep the iframe as tall as its content (panel limits 100–750 px are enforced by Pipedrive).
  useEffect(() => {
    if (!sdk || !rootRef.current) return;
    let last = 0;
    const observer = new ResizeObserver(() => {
      const height = Math.ceil(rootRef.current!.getBoundingClientRect().height) + 16;
      if (Math.abs(height - last) < 4) return;
      last = height;
      sdk.execute('resize', { height }).catch(() => undefined);
    });
    observer.observe(rootRef.current);
    return () => observer.disconnect();
  }, [sdk]);

  const freshToken = useCallback(async () => {
    if (!sdk) {
      // Before the handshake completes, the token Pipedrive put in the iframe URL is the one we have.
      return new URLSearchParams(window.location.search).get('token') ?? '';
    }
    if (tokenRef.current && Date.now() - tokenRef.current.at < 60_000) return tokenRef.current.token;
    const { token } = await sdk.execute('get_signed_token');
    tokenRef.current = { token, at: Date.now() };
    return token as string;
  }, [sdk]);

  const api = useCallback(
    async <T,>(path: string, init: RequestInit = {}): Promise<T> => {
      const headers = new Headers(init.headers);
      if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      if (mode === 'pipedrive') headers.set('authorization', `Bearer ${await freshToken()}`);
      const res = await fetch(path, { ...init, headers, credentials: 'same-origin', cache: 'no-store' });
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? `Request failed (${res.status})`);
      return body as T;
    },
    [mode, freshToken],
  );

  const error = sdkFailure === null ? null : format(t.bridge.pipedriveUnreachable, { detail: sdkFailure });
  const bridge = useMemo<Bridge>(
    () => ({
      mode,
      ready,
      theme,
      error,
      sdk,
      api,
      snackbar: (message) => {
        if (sdk) sdk.execute('show_snackbar', { message }).catch(() => undefined);
      },
      confirm: async (title, description, okText = t.common.confirm) => {
        if (sdk) {
          const r = await sdk.execute('show_confirmation', { title, description, okText, cancelText: t.common.cancel, okColor: 'negative' });
          return !!r?.confirmed;
        }
        return window.confirm(`${title}\n\n${description}`);
      },
    }),
    [mode, ready, theme, error, sdk, api, t],
  );

  return (
    <BridgeContext.Provider value={bridge}>
      <div ref={rootRef} className="synclane-root">
        {children}
      </div>
    </BridgeContext.Provider>
  );
}
