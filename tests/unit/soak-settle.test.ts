import { describe, expect, it } from 'vitest';
import { runsUntilQuiet, type RunOutcome } from '../soak/driver';

const outcome = (status: RunOutcome['status'], code?: string): RunOutcome => ({ status, attempts: 1, crashes: 0, ...(code ? { error: { code, message: code } } : {}) }) as unknown as RunOutcome;

describe('soak: faults off until quiet (B10 nothing wedges)', () => {
  it('B10: a connection still failing after the fault-free runs is reported as wedged', async () => {
    let runs = 0;
    const r = await runsUntilQuiet({ cycle: 7, maxRuns: 3, run: async () => (runs++, outcome('failed', 'temporary')), answerPrompts: async () => {}, check: () => [] });
    expect(runs).toBe(3);
    expect(r.runs).toBe(3);
    expect(r.violations).toEqual([{ cycle: 7, kind: 'wedged', detail: 'still failing after 3 fault-free runs: temporary temporary' }]);
  });

  it('B10: settles at the first succeeded run with nothing to report; a violation keeps it running', async () => {
    const checks: { cycle: number; kind: 'lost_edit'; detail: string }[][] = [[{ cycle: 1, kind: 'lost_edit', detail: 'x' }], []];
    const unsettled: number[] = [];
    const r = await runsUntilQuiet({ cycle: 1, maxRuns: 4, run: async () => outcome('succeeded'), answerPrompts: async () => {}, check: () => checks.shift() ?? [], notSettled: (k) => unsettled.push(k) });
    expect(r).toEqual({ violations: [], runs: 2 });
    expect(unsettled).toEqual([1]);
  });
});
