import { describe, expect, it } from 'vitest';
import { RatePacer, paced, type PacerClock } from './rate-pacer';

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

/** A discrete-event clock: sleepers wake in time order, each after the microtasks of the previous one ran. */
function eventClock() {
  let t = 0;
  let seq = 0;
  const timers: { at: number; seq: number; wake: () => void }[] = [];
  const clock: PacerClock = {
    now: () => t,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        timers.push({ at: t + Math.max(0, ms), seq: seq++, wake });
      }),
  };
  // Every microtask the last wake-up caused runs before time moves on.
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** Runs until `done` resolves. */
  const run = async (done: Promise<unknown>) => {
    let finished = false;
    void done.then(() => (finished = true));
    for (;;) {
      await settle();
      if (finished) return;
      timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = timers.shift();
      if (!next) throw new Error('deadlock: nothing scheduled');
      t = next.at;
      next.wake();
    }
  };
  return { clock, run };
}

/**
 * A vendor with a sliding window over *arrival* times, as Pipedrive counts: a call arrives `inMs` after it is
 * sent and is answered `outMs` later, with the x-ratelimit-* headers of its arrival.
 */
async function againstVendor(opts: { limit: number; windowMs: number; calls: number; concurrency: number; inMs: () => number; outMs: () => number; pacer: RatePacer; clock: PacerClock }) {
  const arrivals: number[] = [];
  const rejections: number[] = [];
  let rejected = 0;
  let next = 0;
  const worker = async () => {
    while (next < opts.calls) {
      next++;
      const ticket = await opts.pacer.acquire();
      opts.pacer.sent(ticket);
      await opts.clock.sleep(opts.inMs());
      const at = opts.clock.now();
      const counted = arrivals.filter((a) => a > at - opts.windowMs).length;
      const allowed = counted < opts.limit;
      if (allowed) arrivals.push(at);
      else {
        rejected++;
        rejections.push(at);
      }
      const remaining = Math.max(0, opts.limit - counted - (allowed ? 1 : 0));
      await opts.clock.sleep(opts.outMs());
      opts.pacer.observe(ticket, allowed ? 200 : 429, headers({ 'x-ratelimit-limit': String(opts.limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': '2' }));
      if (!allowed) next--; // retried
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { arrivals, rejected, rejections };
}

/**
 * Calls per second over whole cycles: the k-th and the (k + limit)-th call use the same place in the window, so
 * from the first call to the (n − limit)-th, exactly n − limit calls went.
 */
const sustained = (arrivals: number[], limit = 160) => (arrivals.length - limit) / ((arrivals[arrivals.length - limit]! - arrivals[0]!) / 1000);

describe('RatePacer return floor (Performance: ≥ 0.9 of the allowed rate at 100 ms, never over)', () => {
  const splits: [string, () => number, () => number][] = [
    ['all latency on the way in (the sandbox)', () => 100, () => 1],
    ['symmetric 50 / 50', () => 50, () => 50],
    ['all on the way out', () => 1, () => 100],
  ];
  for (const [label, inMs, outMs] of splits) {
    it(`Pipedrive Growth 160 per 2 s at a 100 ms round trip, ${label}: never a 429, and ≥ 0.95 of the allowed rate`, async () => {
      const { clock, run } = eventClock();
      const pacer = new RatePacer({ limit: 80, windowMs: 2000, safetyMs: 25, clock });
      const done = againstVendor({ limit: 160, windowMs: 2000, calls: 1600, concurrency: 24, inMs, outMs, pacer, clock });
      await run(done);
      const { arrivals, rejected } = await done;
      expect(rejected).toBe(0);
      expect(maxInWindow(arrivals, 2000)).toBeLessThanOrEqual(160);
      // The first window's 160 come at once; the sustained rate is what follows, ÷ 80 per second.
      expect(sustained(arrivals) / 80).toBeGreaterThan(0.955);
    });
  }

  for (const [label, inMs, outMs] of [
    ['on the way in (50–150 ms)', [50, 100], [50, 0]],
    ['on both ways, independently (20–120 ms each)', [20, 100], [20, 100]],
  ] as const) {
    it(`jitter ${label} never puts more than the limit in the vendor’s window`, async () => {
      const { clock, run } = eventClock();
      let r = 7;
      const rand = () => (r = (r * 48271) % 2147483647) / 2147483647;
      const pacer = new RatePacer({ limit: 80, windowMs: 2000, safetyMs: 25, clock });
      const done = againstVendor({ limit: 160, windowMs: 2000, calls: 1200, concurrency: 24, inMs: () => inMs[0] + Math.round(rand() * inMs[1]), outMs: () => outMs[0] + Math.round(rand() * outMs[1]), pacer, clock });
      await run(done);
      expect((await done).rejected).toBe(0);
      expect(maxInWindow((await done).arrivals, 2000)).toBeLessThanOrEqual(160);
    });
  }

  it('a path that breaks the floor’s assumption (the fastest round trip all on the way in, later calls all on the way out) meets 429s once, then the floor is off and none follow', async () => {
    const { clock, run } = eventClock();
    let n = 0;
    const pacer = new RatePacer({ limit: 80, windowMs: 2000, safetyMs: 25, clock });
    const early = () => n < 200;
    const done = againstVendor({ limit: 160, windowMs: 2000, calls: 1600, concurrency: 24, inMs: () => (n++, early() ? 99 : 1), outMs: () => (early() ? 1 : 99), pacer, clock });
    await run(done);
    const { rejections, arrivals } = await done;
    expect(rejections.length).toBeGreaterThan(0); // the assumption really broke here
    expect(rejections.at(-1)! - rejections[0]!).toBeLessThan(200); // only calls already on their way
    expect(maxInWindow(arrivals, 2000)).toBeLessThanOrEqual(160);
    expect(arrivals.length).toBe(1600);
  });

  it('without the return floor the same run stays at one round trip per window (≈ 0.94)', async () => {
    const { clock, run } = eventClock();
    const pacer = new RatePacer({ limit: 80, windowMs: 2000, safetyMs: 25, returnFloor: false, clock });
    const done = againstVendor({ limit: 160, windowMs: 2000, calls: 1600, concurrency: 24, inMs: () => 50, outMs: () => 50, pacer, clock });
    await run(done);
    const ratio = sustained((await done).arrivals) / 80;
    expect(ratio).toBeGreaterThan(0.93);
    expect(ratio).toBeLessThan(0.95);
  });

  it('a 429 switches the return floor off: the next calls count a full window after their answer', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 1, windowMs: 1000, safetyMs: 0, probe: false, learnLimit: false, clock });
    const a = await pacer.acquire();
    pacer.sent(a);
    clock.t = 100;
    pacer.observe(a, 200, headers({}));
    pacer.sent(await pacer.acquire());
    expect(clock.now()).toBe(1050); // 1 s after the answer, less half the 100 ms round trip
    const b = pacer['log'].at(-1)!;
    clock.t = 1150;
    pacer.observe(b, 429, headers({ 'retry-after': '0' }));
    pacer.sent(await pacer.acquire());
    expect(clock.now()).toBe(2150); // a full window after the 429's answer
  });
});

describe('paced: vendors without rate headers (Google per-minute quotas, Graph per mailbox)', () => {
  it('Performance: a JSON batch of 20 costs 20 places in the window; the next call waits for them', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 25, windowMs: 1000, safetyMs: 0, probe: false, learnLimit: false, returnFloor: false, clock });
    await paced(pacer, 20, async () => 'batch');
    await paced(pacer, 5, async () => 'five more');
    expect(clock.now()).toBe(0);
    await paced(pacer, 1, async () => 'one more');
    expect(clock.now()).toBe(1000); // the 26th waited a window after the first answers
  });

  it('R1: a 429 holds the pacer for the Retry-After the error carried; other errors only end the call', async () => {
    const clock = fakeClock();
    const pacer = new RatePacer({ limit: 100, windowMs: 60_000, safetyMs: 0, probe: false, learnLimit: false, clock });
    await expect(paced(pacer, 1, async () => Promise.reject(new Error('boom')), () => null)).rejects.toThrow('boom');
    expect(clock.now()).toBe(0);
    await expect(paced(pacer, 1, async () => Promise.reject(new Error('slow down')), () => ({ status: 429, retryAfterMs: 2000 }))).rejects.toThrow('slow down');
    await paced(pacer, 1, async () => 'after the wait');
    expect(clock.now()).toBe(2000);
  });

  it('without a pacer the call simply runs', async () => {
    expect(await paced(undefined, 3, async () => 42)).toBe(42);
  });
});
