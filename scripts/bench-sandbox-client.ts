/**
 * Starts scripts/bench-sandbox-process.ts (the sandbox in its own process) and talks to it: one JSON command
 * per line, one JSON answer per line, in order. Used by `npm run bench:files` (the app's RSS without the
 * emulators' stored bytes) and `npm run bench:import` (the app's CPU without the emulators': the vendors
 * run on other machines in reality).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';

export type SandboxProcess = { url: string; proc: ChildProcessWithoutNullStreams; send(cmd: object): Promise<unknown>; close(): Promise<void> };

export async function startSandboxProcess(env: Record<string, string> = {}): Promise<SandboxProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.resolve('scripts/bench-sandbox-process.ts')], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr.on('data', (d: Buffer) => process.stderr.write(`[sandbox] ${d}`));
  const lines = createInterface({ input: proc.stdout });
  const waiting: ((line: string) => void)[] = [];
  let ready: (url: string) => void;
  let failed: (error: Error) => void;
  const url = new Promise<string>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  proc.once('exit', (code) => failed(new Error(`sandbox process exited (${code}) before it was ready`)));
  lines.on('line', (line) => {
    if (line.startsWith('READY ')) return ready(line.slice(6).trim());
    waiting.shift()?.(line);
  });
  return {
    url: await url,
    proc,
    send(cmd) {
      return new Promise((resolve, reject) => {
        waiting.push((line) => {
          const r = JSON.parse(line) as { ok: boolean; reply?: unknown; error?: string };
          if (r.ok) resolve(r.reply);
          else reject(new Error(r.error));
        });
        proc.stdin.write(`${JSON.stringify(cmd)}\n`);
      });
    },
    close: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.stdin.end();
      }),
  };
}
