import { defineConfig } from 'vitest/config';
import path from 'node:path';

const root = import.meta.dirname;
const alias = { '@': root };
/** Tests run against the emulators: the sandbox is chosen explicitly (the app refuses to guess). */
const env = { SYNCLANE_ENV: 'sandbox' };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['lib/**/*.test.ts', 'sandbox/**/*.test.ts', 'db/**/*.test.ts', 'inngest/**/*.test.ts', 'tests/unit/**/*.test.ts'],
          environment: 'node',
          env,
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          env,
          globalSetup: [path.join(root, 'tests/support/global-postgres.ts')],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          sequence: { groupOrder: 2 },
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          env,
          globalSetup: [path.join(root, 'tests/support/global-postgres.ts')],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
