/**
 * The files fault soak (B10 for the Dropbox files pillar), long form:
 * `npm run soak:files -- --config=files-pipedrive --cycles=300 --seed=1`.
 *
 *   --config   files-pipedrive, files-teamleader, a comma list, or `all` (default: all)
 *   --cycles   cycles per configuration and seed (default 300)
 *   --seed     a seed or a comma list of seeds (default 1)
 *   --trace    print every edit, fault and run (to replay a violation)
 *
 * Two users with their own Dropbox sync the same two records; see tests/soak/files/harness.ts for the
 * cycle and the invariants. Exits 1 when any invariant was violated. The short form runs in `npm test`
 * (tests/integration/files-soak.test.ts).
 */
import { runSoakCli } from './soak-cli';
import { FILES_CONFIGS, filesConfigName, runFilesSoak, type FilesSoakReport } from '../tests/soak/files/harness';

runSoakCli({
  title: 'Files fault soak',
  configs: FILES_CONFIGS,
  nameOf: filesConfigName,
  defaultConfig: 'all',
  defaultCycles: 300,
  progressEvery: 50,
  run: runFilesSoak,
  print,
});

function print(r: FilesSoakReport) {
  const kinds = (m: Record<string, number>) => Object.entries(m).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  console.log(`## ${filesConfigName(r.config)} (seed ${r.seed})`);
  console.log(`- cycles: ${r.cycles}; sync runs: ${r.runs}; most fault-free rounds needed to converge: ${r.maxQuietRounds}; ${(r.durationMs / 1000).toFixed(0)} s`);
  console.log(`- edits: ${kinds(r.ops)}`);
  console.log(`- faults injected: ${kinds(r.faultsInjected)}`);
  console.log(`- faults fired: ${kinds(r.faultsFired)}`);
  console.log(`- user actions: ${r.relinks} reconnect(s), ${r.deleteConfirmations} delete confirmation(s)`);
  console.log(`- violations: ${r.violations.length}`);
  for (const v of r.violations.slice(0, 30)) console.log(`  - cycle ${v.cycle} ${v.kind}: ${v.detail}`);
  console.log('');
}

