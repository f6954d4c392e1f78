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
import { parseArgs, startDatabaseServer } from './bench-support';
import { ALL_CONFIGS, configName, runSoak, type SoakReport } from '../tests/soak/harness';

async function main() {
  const args = parseArgs();
  const names = (args.config ?? 'pipedrive-google-two_way').split(',').map((s) => s.trim());
  const configs = names.includes('all') ? ALL_CONFIGS : names.map((n) => {
    const c = ALL_CONFIGS.find((x) => configName(x) === n);
    if (!c) throw new Error(`--config: unknown "${n}" (known: ${ALL_CONFIGS.map(configName).join(', ')})`);
    return c;
  });
  const cycles = Number(args.cycles ?? 1000);
  const seeds = (args.seed ?? '1').split(',').map(Number);
  const server = await startDatabaseServer();
  console.log(`# Contact fault soak — ${new Date().toISOString()}`);
  console.log(`Database: ${server.description}; cycles per run: ${cycles}; seeds: ${seeds.join(', ')}\n`);
  const reports: SoakReport[] = [];
  try {
    for (const config of configs) {
      for (const seed of seeds) {
        const report = await runSoak(config, {
          seed,
          cycles,
          adminUrl: server.adminUrl,
          log: (line) => console.log(`  [${configName(config)} seed ${seed}] ${line}`),
          ...(args.trace ? { trace: (line: string) => console.log(`    ${line}`) } : {}),
          progress: (cycle) => {
            if (cycle % 100 === 0) console.log(`  [${configName(config)} seed ${seed}] cycle ${cycle}/${cycles}`);
          },
        });
        reports.push(report);
        print(report);
      }
    }
  } finally {
    await server.stop();
  }
  const bad = reports.reduce((n, r) => n + r.violations.length, 0);
  console.log(`\nTotal: ${reports.length} soak run(s), ${reports.reduce((n, r) => n + r.cycles, 0)} cycles, ${bad} violation(s).`);
  process.exit(bad ? 1 : 0);
}

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

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
