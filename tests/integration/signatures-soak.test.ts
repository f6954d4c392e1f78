/**
 * B10 Nothing wedges, for the Dropbox Sign archive — the short form of the seeded signature fault soak
 * (`npm run soak:signatures` runs the long one): the user's own archive and the S4 team archive, a couple of
 * cycles of random requests, faults and duplicated/late callbacks each, then the invariants. A failure prints the
 * seed to replay with `npm run soak:signatures -- --config=<name> --seed=<seed> --cycles=<n> --trace`.
 */
import { describe, expect, it } from 'vitest';
import { runSignSoak } from '../soak/signatures/harness';
import { SIGN_SOAK_CONFIGS, signConfigName } from '../soak/signatures/world';

const CYCLES = 2;
const SEED = 20261130;

describe('B10: the signature soak never loses, duplicates, archives too early or wedges', () => {
  for (const [i, config] of SIGN_SOAK_CONFIGS.entries()) {
    it(`B10 signature soak: ${signConfigName(config)} (seed ${SEED + i}, ${CYCLES} cycles)`, async () => {
      const report = await runSignSoak(config, { seed: SEED + i, cycles: CYCLES });
      expect(report.cycles).toBe(CYCLES);
      expect(report.violations).toEqual([]);
    }, 120_000);
  }
});
