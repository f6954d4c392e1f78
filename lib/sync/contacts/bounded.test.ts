import { describe, expect, it } from 'vitest';
import { forEachBounded, gate } from './bounded';

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describe('bounded concurrency (Performance: quota-bound CRM writes)', () => {
  it('Performance: runs every item with at most `limit` at once', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachBounded(Array.from({ length: 50 }, (_, i) => i), 8, async (i) => {
      peak = Math.max(peak, ++running);
      await tick(i % 3);
      running--;
      done.push(i);
    });
    expect(peak).toBe(8);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('Performance: after a failure no new item starts, the ones in flight finish, then the failure is thrown', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = forEachBounded(Array.from({ length: 20 }, (_, i) => i), 4, async (i) => {
      started.push(i);
      if (i === 1) throw new Error('CRM refused');
      await tick(5);
      finished.push(i);
    });
    await expect(run).rejects.toThrow('CRM refused');
    expect(started.length).toBe(4);
    expect(finished.sort()).toEqual([0, 2, 3]);
  });

  it('a gate lets at most `limit` calls run at once (Graph: 4 per mailbox)', async () => {
    const g = gate(4);
    let running = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 20 }, () => g(async () => {
      peak = Math.max(peak, ++running);
      await tick(2);
      running--;
    })));
    expect(peak).toBe(4);
  });
});
