/**
 * The contact fault soak (B10), long form: `npm run soak -- --config=pipedrive-google-two_way --cycles=1000 --seed=1`.
 *
 *   --config   a configuration name (`<crm>-<provider>-<direction>`), a comma list, or `all` (default:
 *              pipedrive-google-two_way)
 *   --cycles   cycles per configuration and seed (default 1000)
 *   --seed     a seed or a comma list of seeds (default 1)
 *   --trace    print every edit, fault and run (to replay a violation)
 *
 * Runs the real app code against the in-process emulators and a throwaway database (see
 * scripts/bench-support.ts), prints per configuration the cycles, runs, faults injected and fired by
 * kind, and every violation; exits 1 when any invariant was violated. The short version runs in
 * `npm test` (tests/integration/contacts-soak.test.ts).
 */
import { runSoakCli } from './soak-cli';
import { ALL_CONFIGS, configName, runSoak, type SoakReport } from '../tests/soak/harness';

runSoakCli({
  title: 'Contact fault soak',
  configs: ALL_CONFIGS,
  nameOf: configName,
  defaultConfig: 'pipedrive-google-two_way',
  defaultCycles: 1000,
  progressEvery: 100,
  run: runSoak,
  print,
});

function print(r: SoakReport) {
  const kinds = (m: Record<string, number>) => Object.entries(m).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  console.log(`## ${configName(r.config)} (seed ${r.seed})`);
  console.log(`- cycles: ${r.cycles}; sync runs: ${r.runs}; most fault-free runs needed to converge: ${r.maxQuietRuns}; ${(r.durationMs / 1000).toFixed(0)} s`);
  console.log(`- edits: ${kinds(r.ops)}`);
  console.log(`- faults injected: ${kinds(r.faultsInjected)}`);
  console.log(`- faults fired: ${kinds(r.faultsFired)}`);
  console.log(`- user actions: ${r.relinks} reconnect(s), ${r.deleteConfirmations} delete confirmation(s)`);
  console.log(`- violations: ${r.violations.length}`);
  for (const v of r.violations.slice(0, 20)) console.log(`  - cycle ${v.cycle} ${v.kind}: ${v.detail}`);
  console.log('');
}

