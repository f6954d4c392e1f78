/**
 * B10 for the files pillar — the short form of the seeded files fault soak (`npm run soak:files` runs the
 * long one): on Pipedrive and on Teamleader, two users with their own Dropbox syncing the same records,
 * random edits on both sides, injected faults, then the invariants (tests/soak/files/harness.ts). A
 * failure prints the seed and cycle to replay with `npm run soak:files -- --config=<name> --seed=<seed>`.
 */
import { describe, expect, it } from 'vitest';
import { FILES_CONFIGS, filesConfigName, runFilesSoak } from '../soak/files/harness';

const CYCLES = 2;
const SEED = 20261130;

describe('B10: the files fault soak never duplicates, loses an edit, deletes unintentionally or wedges', () => {
  for (const [i, config] of FILES_CONFIGS.entries()) {
    it(`B10 files soak: ${filesConfigName(config)} (seed ${SEED + i}, ${CYCLES} cycles)`, async () => {
      const report = await runFilesSoak(config, { seed: SEED + i, cycles: CYCLES });
      expect(report.cycles).toBe(CYCLES);
      expect(report.violations).toEqual([]);
    });
  }
});
