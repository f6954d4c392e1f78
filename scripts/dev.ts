/**
 * `npm run dev`: the sandbox (emulated CRMs and providers) and the app, offline, one command.
 * PORT (default 3000) and SANDBOX_PORT (default 4000) override the ports. This command is what chooses
 * SYNCLANE_ENV=sandbox: the app itself refuses to start without an explicit choice.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startSandbox } from '../sandbox/server';

const port = Number(process.env.PORT ?? 3000);
const sandboxPort = Number(process.env.SANDBOX_PORT ?? 4000);
const appUrl = process.env.APP_URL ?? `http://localhost:${port}`;
const dataDir = path.resolve(process.env.DATA_DIR ?? '.data');

const sandbox = await startSandbox({ port: sandboxPort, appUrl, dataDir, baseUrl: process.env.SANDBOX_URL });
const next = spawn(process.execPath, [path.resolve('node_modules/next/dist/bin/next'), 'dev', '-p', String(port), '-H', '127.0.0.1'], {
  stdio: ['inherit', 'pipe', 'inherit'],
  env: { ...process.env, SYNCLANE_ENV: 'sandbox', NEXT_TELEMETRY_DISABLED: '1', APP_URL: appUrl, SANDBOX_URL: sandbox.url, DATA_DIR: dataDir, PORT: String(port) },
});
let announced = false;
next.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!announced && /Ready|ready/.test(chunk.toString())) {
    announced = true;
    console.log(`\n  Synclane app:  ${appUrl}\n  Sandbox:       ${sandbox.url}  (Pipedrive, Teamleader, Google, Microsoft, Dropbox, Dropbox Sign — offline)\n`);
  }
});
const stop = async () => {
  next.kill('SIGTERM');
  await sandbox.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
next.on('exit', async (code) => {
  await sandbox.close();
  process.exit(code ?? 0);
});
