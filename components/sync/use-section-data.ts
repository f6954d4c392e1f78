'use client';
/**
 * Loads a settings section's overview once the CRM bridge is ready; `load` reloads it after an action.
 * With `runningOf`, the overview stays live (C13): re-read often while it says a run goes, now and then
 * otherwise, and a run starting or ending tells the shell (`onChanged`) so the card's counts follow.
 */
import { useCallback, useEffect, useState } from 'react';
import { useBridge, type ApiError } from '../crm-bridge';
import { useLivePoll } from './live-poll';

export function useSectionData<T>(path: string, onChanged?: () => void, runningOf?: (data: T) => boolean) {
  const bridge = useBridge();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const read = useCallback(
    () =>
      bridge.api<T>(path).then((o) => {
        setData(o);
        setError(null);
        return o;
      }),
    [bridge.api, path],
  );
  const load = useCallback(() => {
    read().then(() => onChanged?.(), (e: ApiError) => setError(e.message));
  }, [read, onChanged]);
  useEffect(() => {
    if (bridge.ready) load();
  }, [bridge.ready, load]);
  const running = !!data && !!runningOf?.(data);
  const poll = useCallback(
    () =>
      read().then((o) => {
        const now = !!runningOf?.(o);
        if (now !== running) onChanged?.();
        return now;
      }),
    [read, runningOf, running, onChanged],
  );
  useLivePoll(poll, running, bridge.ready && !!data && !!runningOf);
  return { data, error, setError, load };
}
