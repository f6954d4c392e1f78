/**
 * Live run state on the settings page (C13, C14): runs start from the page, from CRM webhooks and from the
 * hourly schedule, and end on their own — so the page re-reads its state, often while something runs and
 * now and then otherwise. Plain TypeScript (no React) so the timing is testable; `useLivePoll` wraps it.
 */
import { useEffect } from 'react';

export const LIVE_POLL_MS = { running: 2_000, idle: 15_000 } as const;

/** Whether the page is seen (a hidden tab or a collapsed CRM panel needs no updates). */
export type PageVisibility = { hidden(): boolean; onChange(listener: () => void): () => void };

const documentVisibility = (): PageVisibility | undefined =>
  typeof document === 'undefined'
    ? undefined
    : {
        hidden: () => document.visibilityState === 'hidden',
        onChange: (listener) => {
          document.addEventListener('visibilitychange', listener);
          return () => document.removeEventListener('visibilitychange', listener);
        },
      };

/**
 * Re-reads until stopped. `load` answers whether something is running, which sets the wait before the next
 * read; the first read comes one wait after the start (the caller has just loaded). One read at a time; a
 * failed read waits as if idle and tries again (a network blip must not stop the page from updating). While
 * the page is hidden nothing is read (no requests from a tab nobody looks at); when it is shown again it reads
 * at once.
 */
export function startLivePoll(
  load: () => Promise<boolean>,
  runningNow: boolean,
  ms: { running: number; idle: number } = LIVE_POLL_MS,
  visibility: PageVisibility | undefined = documentVisibility(),
): () => void {
  let stopped = false;
  let reading = false;
  let paused = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (running: boolean) => {
    reading = false;
    if (stopped) return;
    if (visibility?.hidden()) paused = true;
    else timer = setTimeout(tick, running ? ms.running : ms.idle);
  };
  const tick = () => {
    reading = true;
    load().then(arm, () => arm(false));
  };
  const unlisten = visibility?.onChange(() => {
    if (stopped) return;
    if (visibility.hidden()) {
      // A read on its way pauses when it ends (arm).
      if (!reading) {
        clearTimeout(timer);
        paused = true;
      }
      return;
    }
    if (paused) {
      paused = false;
      clearTimeout(timer);
      tick();
    }
  });
  arm(runningNow);
  return () => {
    stopped = true;
    clearTimeout(timer);
    unlisten?.();
  };
}

/** Polls while `enabled`; restarts with the right wait whenever `running` changes (e.g. the user pressed Start). */
export function useLivePoll(load: () => Promise<boolean>, running: boolean, enabled: boolean): void {
  useEffect(() => (enabled ? startLivePoll(load, running) : undefined), [load, running, enabled]);
}
