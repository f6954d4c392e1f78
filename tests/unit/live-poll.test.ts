import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LIVE_POLL_MS, startLivePoll } from '@/components/sync/live-poll';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A load whose answers are scripted; records the fake time of every call. */
function scripted(answers: (boolean | Error)[]) {
  const calls: number[] = [];
  const t0 = Date.now();
  const load = () => {
    calls.push(Date.now() - t0);
    const a = answers.shift() ?? false;
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  return { load, calls };
}

describe('C13/C14 live run state on the settings page', () => {
  it('C13: re-reads every 2 s while a run goes, then every 15 s once it finished (a finished run does not stay "running")', async () => {
    const { load, calls } = scripted([true, true, false, false]);
    const stop = startLivePoll(load, true);
    await vi.advanceTimersByTimeAsync(2_000 * 3 + LIVE_POLL_MS.idle + 10);
    expect(calls).toEqual([2_000, 4_000, 6_000, 6_000 + LIVE_POLL_MS.idle]);
    stop();
  });

  it('C14: while idle it still looks now and then, so a run started by a webhook or the hourly schedule shows up', async () => {
    const { load, calls } = scripted([false, true, false]);
    const stop = startLivePoll(load, false);
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS.idle * 2 + 2_000 + 10);
    expect(calls).toEqual([15_000, 30_000, 32_000]);
    stop();
  });

  it('C13: a failed read does not stop the updates; stop() ends them; reads never overlap', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { load: inner, calls } = scripted([new Error('network'), true, true]);
    const load = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5_000)); // slower than the running pace
      inFlight--;
      return inner();
    };
    const stop = startLivePoll(load, true);
    await vi.advanceTimersByTimeAsync(2_000 + 5_000 + LIVE_POLL_MS.idle + 5_000 + 2_000 + 5_000);
    expect(calls.length).toBe(3);
    expect(maxInFlight).toBe(1);
    stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.length).toBe(3);
  });
});

describe('live run state pauses while the page is hidden', () => {
  function page(hidden: boolean) {
    const listeners = new Set<() => void>();
    return {
      hidden: () => hidden,
      onChange: (l: () => void) => (listeners.add(l), () => void listeners.delete(l)),
      set(h: boolean) {
        hidden = h;
        for (const l of listeners) l();
      },
    };
  }

  it('C14: a hidden tab makes no reads; showing it again reads at once and resumes the pace', async () => {
    const { load, calls } = scripted([false, false, false, false]);
    const visibility = page(false);
    const stop = startLivePoll(load, false, LIVE_POLL_MS, visibility);
    await vi.advanceTimersByTimeAsync(15_000 + 10);
    expect(calls).toEqual([15_000]);
    visibility.set(true);
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS.idle * 10);
    expect(calls).toEqual([15_000]);
    visibility.set(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(calls.length).toBe(2);
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS.idle);
    expect(calls.length).toBe(3);
    stop();
  });

  it('C13: showing the page while a read is on its way does not start a second one', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const visibility = page(false);
    const load = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1_000));
      inFlight--;
      return true;
    };
    const stop = startLivePoll(load, true, LIVE_POLL_MS, visibility);
    await vi.advanceTimersByTimeAsync(2_000 + 100); // a read is on its way
    visibility.set(true);
    visibility.set(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(maxInFlight).toBe(1);
    stop();
  });
});
