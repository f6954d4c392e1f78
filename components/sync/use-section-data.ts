'use client';
/** Loads a settings section's overview once the CRM bridge is ready; `load` reloads it after an action. */
import { useCallback, useEffect, useState } from 'react';
import { useBridge, type ApiError } from '../crm-bridge';

export function useSectionData<T>(path: string, onChanged?: () => void) {
  const bridge = useBridge();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    bridge
      .api<T>(path)
      .then((o) => {
        setData(o);
        setError(null);
        onChanged?.();
      })
      .catch((e: ApiError) => setError(e.message));
  }, [bridge.api, path, onChanged]);
  useEffect(() => {
    if (bridge.ready) load();
  }, [bridge.ready, load]);
  return { data, error, setError, load };
}
