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
import { parseArgs, startDatabaseServer } from './bench-support';
import { FILES_CONFIGS, filesConfigName, runFilesSoak, type FilesSoakReport } from '../tests/soak/files/harness';

async function main() {
  const args = parseArgs();
  const names = (args.config ?? 'all').split(',').map((s) => s.trim());
  const configs = names.includes('all')
    ? FILES_CONFIGS
    : names.map((n) => {
        const c = FILES_CONFIGS.find((x) => filesConfigName(x) === n);
        if (!c) throw new Error(`--config: unknown "${n}" (known: ${FILES_CONFIGS.map(filesConfigName).join(', ')})`);
        return c;
      });
  const cycles = Number(args.cycles ?? 300);
  const seeds = (args.seed ?? '1').split(',').map(Number);
  const server = await startDatabaseServer();
  console.log(`# Files fault soak — ${new Date().toISOString()}`);
  console.log(`Database: ${server.description}; cycles per run: ${cycles}; seeds: ${seeds.join(', ')}\n`);
  const reports: FilesSoakReport[] = [];
  try {
    for (const config of configs) {
      for (const seed of seeds) {
        const report = await runFilesSoak(config, {
          seed,
          cycles,
          adminUrl: server.adminUrl,
          log: (line) => console.log(`  [${filesConfigName(config)} seed ${seed}] ${line}`),
          ...(args.trace ? { trace: (line: string) => console.log(`    ${line}`) } : {}),
          progress: (cycle) => {
            if (cycle % 50 === 0) console.log(`  [${filesConfigName(config)} seed ${seed}] cycle ${cycle}/${cycles}`);
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

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
