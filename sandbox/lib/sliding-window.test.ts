import { describe, expect, it } from 'vitest';
import { SlidingWindow } from './faults';

describe('SlidingWindow (emulated per-window quotas and burst limits)', () => {
  it('allows `limit` hits per rolling window, then refuses until the oldest hit leaves it', () => {
    const w = new SlidingWindow(3, 2000);
    expect(w.hit('t', 0)).toEqual({ allowed: true, remaining: 2, resetAt: 2000 });
    expect(w.hit('t', 500).remaining).toBe(1);
    expect(w.hit('t', 1000).remaining).toBe(0);
    expect(w.hit('t', 1500)).toEqual({ allowed: false, remaining: 0, resetAt: 2000 });
    expect(w.hit('other', 1500).allowed).toBe(true); // per key
    expect(w.hit('t', 2000)).toEqual({ allowed: true, remaining: 0, resetAt: 2500 }); // the hit at 0 left the window
    expect(w.hit('t', 4600)).toEqual({ allowed: true, remaining: 2, resetAt: 6600 });
  });

  it('holds thousands of hits per window (limits raised) with the same counts', () => {
    const w = new SlidingWindow(1_000_000, 2000);
    let last = { allowed: false, remaining: 0, resetAt: 0 };
    for (let t = 0; t < 10_000; t++) last = w.hit('t', t);
    // Hits at 8000..9999 are in the window ending at 9999 (a hit at exactly now − window has left it).
    expect(last).toEqual({ allowed: true, remaining: 1_000_000 - 2000, resetAt: 8000 + 2000 });
  });

  it('a clock set back keeps the hits in time order and counts them', () => {
    const w = new SlidingWindow(10, 1000);
    w.hit('t', 5000);
    w.hit('t', 4800);
    // 4800 has left the window ending at 5850, 5000 has not (with the earlier time recorded after the later one).
    expect(w.hit('t', 5850)).toEqual({ allowed: true, remaining: 8, resetAt: 6000 });
    expect(w.hit('t', 6001)).toEqual({ allowed: true, remaining: 8, resetAt: 6850 });
  });
});
