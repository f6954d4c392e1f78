/**
 * The part every fault-soak script shares (contacts, files, signatures): `--config` (names, a comma list or
 * `all`), `--cycles`, `--seed` (a comma list), `--trace`; one throwaway database server; each configuration ×
 * seed run in turn and printed; a total; exit 1 when any invariant was violated (2 when the soak itself failed).
 */
import { parseArgs, startDatabaseServer } from './bench-support';

export type SoakRunOptions = {
  seed: number;
  cycles: number;
  adminUrl: string | null;
  log: (line: string) => void;
  trace?: (line: string) => void;
  progress: (cycle: number) => void;
};

export type SoakCli<C, R extends { cycles: number; violations: unknown[] }> = {
  title: string;
  configs: readonly C[];
  nameOf: (config: C) => string;
  defaultConfig: string;
  defaultCycles: number;
  progressEvery: number;
  run: (config: C, options: SoakRunOptions) => Promise<R>;
  print: (report: R) => void;
};

export function runSoakCli<C, R extends { cycles: number; violations: unknown[] }>(cli: SoakCli<C, R>): void {
  main(cli).catch((error) => {
    console.error(error);
    process.exit(2);
  });
}

async function main<C, R extends { cycles: number; violations: unknown[] }>(cli: SoakCli<C, R>) {
  const args = parseArgs();
  const names = (args.config ?? cli.defaultConfig).split(',').map((s) => s.trim());
  const configs = names.includes('all')
    ? cli.configs
    : names.map((n) => {
        const c = cli.configs.find((x) => cli.nameOf(x) === n);
        if (!c) throw new Error(`--config: unknown "${n}" (known: ${cli.configs.map(cli.nameOf).join(', ')})`);
        return c;
      });
  const cycles = Number(args.cycles ?? cli.defaultCycles);
  const seeds = (args.seed ?? '1').split(',').map(Number);
  const server = await startDatabaseServer();
  console.log(`# ${cli.title} — ${new Date().toISOString()}`);
  console.log(`Database: ${server.description}; cycles per run: ${cycles}; seeds: ${seeds.join(', ')}\n`);
  const reports: R[] = [];
  try {
    for (const config of configs) {
      for (const seed of seeds) {
        const name = cli.nameOf(config);
        const report = await cli.run(config, {
          seed,
          cycles,
          adminUrl: server.adminUrl,
          log: (line) => console.log(`  [${name} seed ${seed}] ${line}`),
          ...(args.trace ? { trace: (line: string) => console.log(`    ${line}`) } : {}),
          progress: (cycle) => {
            if (cycle % cli.progressEvery === 0) console.log(`  [${name} seed ${seed}] cycle ${cycle}/${cycles}`);
          },
        });
        reports.push(report);
        cli.print(report);
      }
    }
  } finally {
    await server.stop();
  }
  const bad = reports.reduce((n, r) => n + r.violations.length, 0);
  console.log(`\nTotal: ${reports.length} soak run(s), ${reports.reduce((n, r) => n + r.cycles, 0)} cycles, ${bad} violation(s).`);
  process.exit(bad ? 1 : 0);
}
