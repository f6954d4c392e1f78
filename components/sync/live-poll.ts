/**
 * Live run state on the settings page (C13, C14): runs start from the page, from CRM webhooks and from the
 * hourly schedule, and end on their own — so the page re-reads its state, often while something runs and
 * now and then otherwise. Plain TypeScript (no React) so the timing is testable; `useLivePoll` wraps it.
 */
import { useEffect } from 'react';

export const LIVE_POLL_MS = { running: 2_000, idle: 15_000 } as const;

/**
 * Re-reads until stopped. `load` answers whether something is running, which sets the wait before the next
 * read; the first read comes one wait after the start (the caller has just loaded). One read at a time; a
 * failed read waits as if idle and tries again (a network blip must not stop the page from updating).
 */
export function startLivePoll(load: () => Promise<boolean>, runningNow: boolean, ms: { running: number; idle: number } = LIVE_POLL_MS): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (running: boolean) => {
    if (!stopped) timer = setTimeout(tick, running ? ms.running : ms.idle);
  };
  const tick = () => load().then(arm, () => arm(false));
  arm(runningNow);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Polls while `enabled`; restarts with the right wait whenever `running` changes (e.g. the user pressed Start). */
export function useLivePoll(load: () => Promise<boolean>, running: boolean, enabled: boolean): void {
  useEffect(() => (enabled ? startLivePoll(load, running) : undefined), [load, running, enabled]);
}
