/**
 * F8/B1: CRMs send no file events, so a change to a synced record is the cue to check its files. Choosing a
 * Pipedrive deal or a Teamleader company for file sync registers that module's record webhooks; the
 * emulators deliver the vendor's own payloads (Pipedrive v2 `meta`, Teamleader's thin `{type, subject,
 * account}`) over HTTP to the app's real routes, which ask for a check of that record — here a rename,
 * which moves the record folder in Dropbox (F9).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { eq } from 'drizzle-orm';
import { createTestApp, BRUGGE, NORTHWIND, type TestApp } from '../support/harness';
import { linkDropbox } from '../support/files';
import { getDb } from '@/db/client';
import { crmUsers } from '@/db/schema';
import { syncRecordFiles } from '@/lib/files/service';
import { executeRun } from '@/lib/sync/runtime/execute';
import { pillarFor } from '@/lib/sync/registry';
import type { RunRequest } from '@/lib/sync/runtime/events';
import { POST as pipedriveRoute } from '@/app/api/pipedrive/webhooks/route';
import { POST as teamleaderRoute } from '@/app/api/teamleader/webhooks/[user]/[secret]/route';

let app: TestApp;
let server: http.Server;

/** The app's webhook routes behind a real HTTP listener at APP_URL, so the emulators' deliveries arrive. */
function routeServer() {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = `${app.appUrl}${req.url}`;
      const request = new NextRequest(url, { method: req.method, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
      const tl = /^\/api\/teamleader\/webhooks\/([^/]+)\/([^/]+)$/.exec(req.url ?? '');
      const response = tl
        ? await teamleaderRoute(request, { params: Promise.resolve({ user: tl[1]!, secret: tl[2]! }) })
        : req.url === '/api/pipedrive/webhooks'
          ? await pipedriveRoute(request)
          : new Response('not found', { status: 404 });
      res.writeHead(response.status, { 'content-type': 'application/json' });
      res.end(await response.text());
    });
  });
}

beforeAll(async () => {
  server = routeServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  app = await createTestApp({ appUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await app?.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** Runs the files checks the webhooks asked for, as the job runner would. */
async function runRequested() {
  const files = app.requested.filter((r) => r.kind === 'files' && r.trigger === 'webhook');
  app.requested.length = 0;
  for (const request of files) await executeRun(pillarFor('files'), { run: (_id, fn) => fn() }, request as RunRequest);
  return files;
}

describe('F8: record webhooks beyond persons/contacts trigger a check of the synced record', () => {
  it('F8/F9: a Pipedrive deal chosen for file sync gets deal webhooks; renaming the deal in Pipedrive renames its Dropbox folder without Refresh', async () => {
    const olivia = await app.installPipedrive(NORTHWIND.admin);
    const { connectionId } = await linkDropbox(app, olivia, 'olivia.northwind@gmail.com');
    const deals = (app.sandbox.pipedrive.getState() as unknown as { deals: { id: number; title: string; owner_id: number; is_deleted: boolean; companyId: number }[] }).deals;
    const deal = deals.find((d) => d.companyId === NORTHWIND.companyId && d.owner_id === NORTHWIND.admin && !d.is_deleted)!;
    await syncRecordFiles(olivia, { module: 'deal', recordId: String(deal.id) });
    expect((await app.runSync(connectionId)).status).toBe('succeeded');
    const folder = app.sandbox.dropbox.entries('olivia.northwind@gmail.com').find((e) => e.kind === 'folder' && e.pathLower.startsWith('/deals/') && e.pathLower.endsWith(`(${deal.id})`))!;
    expect(folder).toBeDefined();
    const db = await getDb();
    const [user] = await db.select().from(crmUsers).where(eq(crmUsers.id, olivia.crmUserId));
    expect(Object.keys(user!.webhookTopics ?? {})).toEqual(['deal']);
    const hooks = (app.sandbox.pipedrive.getState() as unknown as { webhooks: { event_object: string; subscription_url: string }[] }).webhooks;
    expect(hooks.filter((h) => h.subscription_url.endsWith('/api/pipedrive/webhooks')).map((h) => h.event_object).sort()).toEqual(['deal', 'person']);

    app.requested.length = 0;
    app.sandbox.pipedrive.updateDeal(NORTHWIND.companyId, deal.id, { title: 'Webhooked deal' });
    await app.sandbox.pipedrive.flushWebhooks();
    const ran = await runRequested();
    expect(ran).toHaveLength(1);
    const renamed = app.sandbox.dropbox.entry('olivia.northwind@gmail.com', folder.id);
    expect(renamed?.pathDisplay).toBe(`/Deals/Webhooked deal (${deal.id})`);
  });

  it('F8/F9: a Teamleader company chosen for file sync adds company types to the webhook; renaming it renames its Dropbox folder without Refresh', async () => {
    const lotte = await app.installTeamleader(BRUGGE.admin);
    const { connectionId } = await linkDropbox(app, lotte, 'lotte.bruggebikes@gmail.com');
    const account = app.sandbox.teamleader.accounts()[0]!.id;
    const company = app.sandbox.teamleader.companies(account)[0]!;
    await syncRecordFiles(lotte, { module: 'company', recordId: company.id });
    expect((await app.runSync(connectionId)).status).toBe('succeeded');
    const folder = app.sandbox.dropbox.entries('lotte.bruggebikes@gmail.com').find((e) => e.kind === 'folder' && e.pathLower.startsWith('/companies/') && e.pathLower.endsWith(`(${company.id})`))!;
    expect(folder).toBeDefined();
    const hook = app.sandbox.teamleader.webhooks(account).find((h: { url: string }) => h.url.includes(`/api/teamleader/webhooks/${lotte.crmUserId}/`))!;
    expect(hook.types).toEqual(expect.arrayContaining(['contact.updated', 'company.added', 'company.updated', 'company.deleted']));

    app.requested.length = 0;
    app.sandbox.teamleader.renameCompany(account, company.id, 'Webhaak BV');
    await app.sandbox.teamleader.flushWebhooks();
    const ran = await runRequested();
    expect(ran).toHaveLength(1);
    expect(app.sandbox.dropbox.entry('lotte.bruggebikes@gmail.com', folder.id)?.pathDisplay).toBe(`/Companies/Webhaak BV (${company.id})`);
  });
});
