import { describe, expect, it } from 'vitest';
import { RatePacer, type PacerClock } from './rate-pacer';

/** A clock that only moves when someone sleeps (a sleeper wakes exactly when asked). */
function fakeClock(): PacerClock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

const headers = (h: Record<string, string>) => new Headers(h);

/** Largest number of sends in any window of `windowMs` (the vendor's sliding-window count). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function sendAll(pacer: RatePacer, clock: PacerClock, n: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: n }, async () => {
      const ticket = await pacer.acquire();
      pacer.sent(ticket);
      times.push(clock.now());
      pacer.done(ticket); // answered at once (a zero-latency vendor)
    }),
  );
  return times.sort((a, b) => a - b);
}

describe('RatePacer: CRM writes run at, never over, the allowed rate (Pipedrive burst, Teamleader 200/min)', () => {
  it('Pipedrive burst 80 per 2 s: 400 parallel calls never put more than 80 in any 2 s, and use the budget fully', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 80, windowMs: 2000, safetyMs: 100, probe: false, clock });
    const times = await sendAll(pacer, clock, 400);
    expect(maxInWindow(times, 2000)).toBe(80);
    // The first 80 go at once; after that one batch per 2.1 s: 400 calls end after 4 × 2.1 s.
    expect(times.filter((t) => t === 0)).toHaveLength(80);
    expect(times.at(-1)).toBe(4 * 2100);
    // Achieved ÷ allowed: 400 calls over 8.4 s + a window ≈ the allowed 40/s (95 % with the 100 ms margin).
    expect(400 / ((times.at(-1)! + 2000) / 1000) / 40).toBeGreaterThan(0.95);
  });

  it('Teamleader 200 per 60 s: spreads 450 calls over three windows', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 200, windowMs: 60_000, probe: false, clock });
    const times = await sendAll(pacer, clock, 450);
    expect(maxInWindow(times, 60_000)).toBe(200);
    expect(times.at(-1)).toBe(2 * 60_100);
  });

  it('learns the plan limit from x-ratelimit-limit (Pipedrive Premium: 400 per 2 s)', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 80, windowMs: 2000, probe: false, clock });
    pacer.observe(null, 200, headers({ 'x-ratelimit-limit': '400', 'x-ratelimit-remaining': '399', 'x-ratelimit-reset': '2' }));
    const times = await sendAll(pacer, clock, 400);
    expect(times.every((t) => t === 0)).toBe(true);
  });

  it('a sub-budget (Pipedrive search, 10 per 2 s) ignores the general x-ratelimit-limit', () => {
    const pacer = new RatePacer({ limit: 10, windowMs: 2000, learnLimit: false, clock: fakeClock() });
    pacer.observe(null, 200, headers({ 'x-ratelimit-limit': '80' }));
    expect(pacer.limit).toBe(10);
  });

  it('sends one probe first, then leaves free the share of the window others use (remaining lower than our calls explain)', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 80, windowMs: 2000, safetyMs: 100, clock });
    const probe = await pacer.acquire();
    pacer.sent(probe);
    // The install flow (or another server) already spent 9 of the 80: the answer to our first call says 70 left.
    pacer.observe(probe, 200, headers({ 'x-ratelimit-limit': '80', 'x-ratelimit-remaining': '70', 'x-ratelimit-reset': '2' }));
    const times = await sendAll(pacer, clock, 80);
    expect(times.filter((t) => t === 0)).toHaveLength(70); // 1 probe + 70 = 71 of ours in the first window
    expect(maxInWindow([0, ...times], 2000)).toBe(71);
  });

  it('without an answer to the probe, the second call waits at most probeTimeoutMs', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 80, windowMs: 2000, probeTimeoutMs: 500, clock });
    pacer.sent(await pacer.acquire());
    pacer.sent(await pacer.acquire());
    expect(clock.now()).toBe(500);
  });

  it('remaining 0 that our own log explains does not add the vendor’s rounded-up reset on top', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 2, windowMs: 2000, safetyMs: 100, probe: false, clock });
    const first = await pacer.acquire();
    pacer.sent(first);
    pacer.done(first);
    clock.t = 500;
    const second = await pacer.acquire();
    pacer.sent(second);
    pacer.observe(second, 200, headers({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' }));
    pacer.sent(await pacer.acquire());
    expect(clock.now()).toBe(2100); // the first call leaves the window, not 500 + 2000
  });

  it('a 429 blocks until Retry-After (Teamleader reset as an ISO timestamp when no Retry-After)', async () => {
    const clock = fakeClock();
    clock.t = Date.parse('2026-01-01T10:00:00.000Z');
    const pacer = new RatePacer({ limit: 200, windowMs: 60_000, probe: false, clock });
    pacer.observe(null, 429, headers({ 'retry-after': '3' }));
    const t0 = clock.now();
    pacer.sent(await pacer.acquire());
    expect(clock.now() - t0).toBe(3000);
    pacer.observe(null, 429, headers({ 'x-ratelimit-reset': '2026-01-01T10:00:10.000Z' }));
    pacer.sent(await pacer.acquire());
    expect(clock.now() - t0).toBe(10_000);
  });

  it('caps a reset far beyond the window (clock skew, the daily budget) at one window', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 80, windowMs: 2000, safetyMs: 100, probe: false, clock });
    pacer.observe(null, 429, headers({ 'retry-after': '86400' }));
    pacer.sent(await pacer.acquire());
    expect(clock.now()).toBe(2100);
  });

  it('records the real send time when a call waited on a second pacer', async () => {
    const clock = fakeClock();
    const search = new RatePacer({ limit: 1, windowMs: 2000, safetyMs: 0, probe: false, clock });
    const general = new RatePacer({ limit: 1, windowMs: 1000, safetyMs: 0, probe: false, clock });
    const g0 = await general.acquire();
    general.sent(g0);
    general.done(g0); // general busy until t=1000
    const s = await search.acquire(); // search free at t=0
    const g = await general.acquire(); // waits until t=1000
    search.sent(s);
    general.sent(g);
    search.done(s); // answered at once, at t=1000
    general.done(g);
    search.sent(await search.acquire());
    expect(clock.now()).toBe(3000); // 2 s after the real send at t=1000, not after t=0
  });

  it('a request counts until one window after its answer: slow answers cannot let the next batch overtake the vendor', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 2, windowMs: 2000, safetyMs: 0, probe: false, clock });
    const a = await pacer.acquire();
    pacer.sent(a);
    const b = await pacer.acquire();
    pacer.sent(b);
    clock.t = 800; // both answered 800 ms later: the vendor counted them somewhere in 0…800
    pacer.done(a);
    pacer.done(b);
    pacer.sent(await pacer.acquire());
    expect(clock.now()).toBe(2800);
  });

  it('a request still in flight keeps its place in the window (a third call waits for an answer)', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 1, windowMs: 1000, safetyMs: 0, probe: false, clock });
    const a = await pacer.acquire();
    pacer.sent(a);
    const next = pacer.acquire();
    await clock.sleep(0);
    clock.t = 5000; // no answer for 5 s
    pacer.done(a);
    pacer.sent(await next);
    expect(clock.now()).toBeGreaterThanOrEqual(6000);
  });
});
