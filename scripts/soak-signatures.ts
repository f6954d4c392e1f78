/**
 * The signature fault soak (B10), long form: `npm run soak:signatures -- --config=all --cycles=300 --seed=1`.
 *
 *   --config   pipedrive-user (the user's own archive, S1–S3, B7), pipedrive-team (the S4 team archive), a comma
 *              list, or `all` (default)
 *   --cycles   cycles per configuration and seed (default 300)
 *   --seed     a seed or a comma list of seeds (default 1)
 *   --trace    print every action, fault and run (to replay a violation)
 *
 * Runs the real app code against the in-process emulators and a throwaway database (scripts/bench-support.ts),
 * prints per configuration the cycles, runs, actions, callbacks, faults injected and fired, and every violation;
 * exits 1 when any invariant was violated. The short version runs in `npm test`
 * (tests/integration/signatures-soak.test.ts).
 */
import { runSoakCli } from './soak-cli';
import { runSignSoak, type SignSoakReport } from '../tests/soak/signatures/harness';
import { SIGN_SOAK_CONFIGS, signConfigName } from '../tests/soak/signatures/world';

runSoakCli({
  title: 'Signature fault soak',
  configs: SIGN_SOAK_CONFIGS,
  nameOf: signConfigName,
  defaultConfig: 'all',
  defaultCycles: 300,
  progressEvery: 50,
  run: runSignSoak,
  print,
});

function print(r: SignSoakReport) {
  const kinds = (m: Record<string, number>) => Object.entries(m).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  console.log(`## ${signConfigName(r.config)} (seed ${r.seed})`);
  console.log(`- cycles: ${r.cycles}; archive runs: ${r.runs}; most fault-free runs needed to converge: ${r.maxQuietRuns}; ${(r.durationMs / 1000).toFixed(0)} s`);
  console.log(`- requests: ${r.requests}; files in the archive: ${r.archivedFiles}; actions: ${kinds(r.ops)}`);
  console.log(`- callbacks: ${r.callbacks.delivered} delivered (${r.callbacks.duplicates} duplicates, ${r.callbacks.late} late), ${r.callbacks.runs} hinted runs`);
  console.log(`- faults injected: ${kinds(r.faultsInjected)}`);
  console.log(`- faults fired: ${kinds(r.faultsFired)}`);
  console.log(`- user actions: ${r.relinks} reconnect(s)`);
  console.log(`- violations: ${r.violations.length}`);
  for (const v of r.violations.slice(0, 30)) console.log(`  - cycle ${v.cycle} ${v.kind}: ${v.detail}`);
  console.log('');
}

