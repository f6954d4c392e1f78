/**
 * B10 Nothing wedges — the short form of the seeded fault soak (`npm run soak` runs the long one): every
 * configuration (both CRMs × both providers × one-way both ways and two-way) for a few cycles of random
 * edits and injected faults, then the invariants. A failure prints the seed and cycle to replay with
 * `npm run soak -- --config=<name> --seed=<seed> --cycles=<n>`.
 */
import { describe, expect, it } from 'vitest';
import { ALL_CONFIGS, configName, runSoak } from '../soak/harness';

const CYCLES = 2;
const SEED = 20261130;

describe('B10: a seeded fault soak never duplicates, loses an edit, deletes unintentionally or wedges', () => {
  for (const [i, config] of ALL_CONFIGS.entries()) {
    it(`B10 soak: ${configName(config)} (seed ${SEED + i}, ${CYCLES} cycles)`, async () => {
      const report = await runSoak(config, { seed: SEED + i, cycles: CYCLES });
      expect(report.cycles).toBe(CYCLES);
      expect(report.violations).toEqual([]);
    });
  }
});
