/** Test and reviewer controls under /google/_admin (never subject to fault injection). */
import { BadBody, json, noContent, readJson, Router } from '../lib/http';
import type { FaultRule } from '../lib/faults';
import type { GoogleEmulator } from './emulator-types';
import type { GoogleConfig } from './google-state';

export function createAdminApi(emulator: () => GoogleEmulator): Router {
  const router = new Router();
  const accountOr404 = (email: string) => emulator().accounts().find((a) => a.email === email.toLowerCase());

  router.get('/_admin', () =>
    json(200, {
      endpoints: [
        'GET|POST|DELETE /google/_admin/faults',
        'GET|POST /google/_admin/config',
        'GET /google/_admin/accounts',
        'POST /google/_admin/accounts/:email/revoke',
        'GET /google/_admin/accounts/:email/contacts?includeDeleted=true',
        'POST /google/_admin/accounts/:email/generate {count, group?}',
        'GET|DELETE /google/_admin/accounts/:email/request-counts',
        'POST /google/_admin/expire-access-tokens',
        'POST /google/_admin/reset',
      ],
    }),
  );

  router.get('/_admin/faults', () => json(200, { faults: emulator().faults.list() }));
  router.post('/_admin/faults', (req) => {
    const rule = readJson<FaultRule>(req);
    if (!rule || typeof rule.status !== 'number') throw new BadBody('A fault rule needs at least a numeric "status".');
    return json(201, { id: emulator().faults.add(rule) });
  });
  router.delete('/_admin/faults', () => {
    emulator().faults.clear();
    return noContent();
  });

  router.get('/_admin/config', () => json(200, emulator().config()));
  router.post('/_admin/config', (req) => json(200, emulator().config(readJson<Partial<GoogleConfig>>(req) ?? {})));

  router.get('/_admin/accounts', () => json(200, { accounts: emulator().accounts() }));
  router.post('/_admin/accounts/:email/revoke', (req) => {
    if (!accountOr404(req.params.email)) return json(404, { error: 'unknown_account' });
    emulator().revokeAll(req.params.email);
    return json(200, { revoked: true });
  });
  router.get('/_admin/accounts/:email/contacts', (req) => {
    if (!accountOr404(req.params.email)) return json(404, { error: 'unknown_account' });
    const includeDeleted = req.url.searchParams.get('includeDeleted') === 'true';
    const contacts = emulator().contacts(req.params.email, { includeDeleted });
    return json(200, {
      email: req.params.email.toLowerCase(),
      total: contacts.filter((c) => !(c.metadata as { deleted?: boolean } | undefined)?.deleted).length,
      groups: emulator().groups(req.params.email),
      contacts: contacts.map((c) => summarize(c)),
    });
  });
  router.post('/_admin/accounts/:email/generate', (req) => {
    if (!accountOr404(req.params.email)) return json(404, { error: 'unknown_account' });
    const input = readJson<{ count?: number; group?: string }>(req) ?? {};
    const created = emulator().generateContacts(req.params.email, Number(input.count ?? 100), input.group);
    return json(201, { created: created.length, first: created[0], last: created[created.length - 1] });
  });
  router.get('/_admin/accounts/:email/request-counts', (req) => json(200, emulator().requestCounts(req.params.email)));
  router.delete('/_admin/accounts/:email/request-counts', (req) => {
    emulator().resetRequestCounts(req.params.email);
    return noContent();
  });
  router.post('/_admin/expire-access-tokens', () => {
    emulator().expireAccessTokens();
    return json(200, { expired: true });
  });
  router.post('/_admin/reset', () => {
    emulator().reset();
    return json(200, { ok: true });
  });
  return router;
}

function summarize(person: Record<string, unknown>) {
  const meta = person.metadata as { deleted?: boolean; sources?: { updateTime?: string }[] } | undefined;
  if (meta?.deleted) return { resourceName: person.resourceName, etag: person.etag, deleted: true };
  const name = (person.names as { displayName?: string }[] | undefined)?.[0]?.displayName ?? '';
  return {
    resourceName: person.resourceName,
    etag: person.etag,
    updateTime: meta?.sources?.[0]?.updateTime,
    displayName: name,
    emails: ((person.emailAddresses as { value?: string }[] | undefined) ?? []).map((e) => e.value),
    phones: ((person.phoneNumbers as { value?: string }[] | undefined) ?? []).map((e) => e.value),
    groups: ((person.memberships as { contactGroupMembership?: { contactGroupResourceName?: string } }[] | undefined) ?? []).map((m) => m.contactGroupMembership?.contactGroupResourceName),
    clientData: person.clientData,
  };
}
