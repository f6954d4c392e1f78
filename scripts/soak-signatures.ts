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
import { parseArgs, startDatabaseServer } from './bench-support';
import { runSignSoak, type SignSoakReport } from '../tests/soak/signatures/harness';
import { SIGN_SOAK_CONFIGS, signConfigName } from '../tests/soak/signatures/world';

async function main() {
  const args = parseArgs();
  const names = (args.config ?? 'all').split(',').map((s) => s.trim());
  const configs = names.includes('all')
    ? SIGN_SOAK_CONFIGS
    : names.map((n) => {
        const c = SIGN_SOAK_CONFIGS.find((x) => signConfigName(x) === n);
        if (!c) throw new Error(`--config: unknown "${n}" (known: ${SIGN_SOAK_CONFIGS.map(signConfigName).join(', ')})`);
        return c;
      });
  const cycles = Number(args.cycles ?? 300);
  const seeds = (args.seed ?? '1').split(',').map(Number);
  const server = await startDatabaseServer();
  console.log(`# Signature fault soak — ${new Date().toISOString()}`);
  console.log(`Database: ${server.description}; cycles per run: ${cycles}; seeds: ${seeds.join(', ')}\n`);
  const reports: SignSoakReport[] = [];
  try {
    for (const config of configs) {
      for (const seed of seeds) {
        const name = signConfigName(config);
        const report = await runSignSoak(config, {
          seed,
          cycles,
          adminUrl: server.adminUrl,
          log: (line) => console.log(`  [${name} seed ${seed}] ${line}`),
          ...(args.trace ? { trace: (line: string) => console.log(`    ${line}`) } : {}),
          progress: (cycle) => {
            if (cycle % 50 === 0) console.log(`  [${name} seed ${seed}] cycle ${cycle}/${cycles}`);
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

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
