/** The admin routes every emulator has under `<prefix>/_admin`: summary, fault rules, config, reset. */
import { FaultInjector, type FaultRule } from './faults';
import { json, readJson, type Router } from './http';

export type AdminTarget<C> = {
  summary(): unknown;
  faults: FaultInjector;
  config(patch?: Partial<C>): C;
  reset(): void;
};

export function registerCommonAdminRoutes<C>(router: Router, emulator: AdminTarget<C>): void {
  router.get('/_admin', () => json(200, emulator.summary()));
  router.get('/_admin/faults', () => json(200, { faults: emulator.faults.list() }));
  router.post('/_admin/faults', (req) => {
    const rule = readJson<FaultRule>(req);
    if (!rule || typeof rule.status !== 'number') return json(400, { error: 'bad_request', message: 'A fault rule needs at least a numeric status.' });
    return json(201, { id: emulator.faults.add(rule) });
  });
  router.delete('/_admin/faults', () => {
    emulator.faults.clear();
    return json(200, { ok: true });
  });
  router.post('/_admin/config', (req) => json(200, { config: emulator.config(readJson<Partial<C>>(req) ?? {}) }));
  router.post('/_admin/reset', () => {
    emulator.reset();
    return json(200, { ok: true });
  });
}
