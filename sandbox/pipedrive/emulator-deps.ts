/** What every route module of the Pipedrive emulator gets. */
import type { FaultInjector, SlidingWindow } from '../lib/faults';
import type { SandboxContext } from '../lib/types';
import type { SurfaceRegistry } from './host-session';
import type { InstallationRegistry } from './installations';
import type { PipedriveStore } from './store';
import type { WebhookDispatcher } from './webhook-delivery';

export type EmulatorDeps = {
  ctx: SandboxContext;
  store: PipedriveStore;
  installs: InstallationRegistry;
  webhooks: WebhookDispatcher;
  surfaces: SurfaceRegistry;
  faults: FaultInjector;
  burst: SlidingWindow;
  /** Host UI path prefix as seen by the browser (`/pipedrive`). */
  base: string;
};
