/**
 * Bounded concurrency for the engine's vendor writes (Performance: quota-bound, not latency-bound). The CRM
 * pacer decides *when* a call may go; this decides *how many* records are in flight, so that at 100 ms per
 * round trip enough calls are waiting on the pacer to use the whole allowed rate.
 */

/**
 * Runs `fn` for every item with at most `limit` running at once. After the first failure no new item
 * starts; the ones in flight finish (their bookkeeping is written) before the failure is rethrown.
 */
export async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}

/** A gate letting at most `limit` calls run at once (e.g. Graph's 4 concurrent requests per mailbox). */
export function gate(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <R>(call: () => Promise<R>): Promise<R> => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await call();
    } finally {
      const wake = waiting.shift();
      if (wake) wake();
      else running--;
    }
  };
}
