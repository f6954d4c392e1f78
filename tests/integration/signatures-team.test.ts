/**
 * S4 team administration end to end (real Postgres; the Dropbox Sign, Dropbox and Pipedrive emulators through the
 * official SDKs): only a team admin may turn the team archive on (403 through the route); it is retroactive and
 * files every member's documents from that member's side; sharing the team folder with the admins is refused for
 * an app-folder Dropbox app and recorded as such; a team rename starts a new team folder (earlier documents stay);
 * another admin can switch the archive to their accounts, and it can be unlinked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { NextRequest } from 'next/server';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { linkDropbox } from '../support/files';
import { getDb } from '@/db/client';
import { signatureArchives, signatureDocuments, syncConnections } from '@/db/schema';
import { env } from '@/lib/env';
import { startSignLink } from '@/lib/signatures/linking';
import { activateTeamArchive, teamArchiveOverview, unlinkTeamArchive } from '@/lib/signatures/team';
import { GET as oauthCallback } from '@/app/api/dropbox-sign/oauth/callback/route';
import { GET as teamGet, POST as teamPost } from '@/app/api/embedded/signatures/team/route';
import type { Tenant } from '@/lib/tenant';

const OLIVIA = 'olivia.admin@northwind.example';
const RAHUL = 'rahul.regular@northwind.example';
const NINA = 'nina.noadd@northwind.example';
const ADA = 'ada@contoso.example';
const HANS = 'hans.mueller@fabrikam.example';
const OLIVIA_DBX = 'olivia.northwind@gmail.com';
const RAHUL_DBX = 'rahul.northwind@gmail.com';
const ROOT = '/Dropbox Sign (team)';

let app: TestApp;
let admin: Tenant;
let regular: Tenant;
let archiveId: string;
const pdf = (name: string) => [{ name, data: Buffer.from(`%PDF-1.4 ${name}`) }];

async function linkSign(tenant: Tenant, email: string) {
  const authorize = new URL(startSignLink(tenant).url);
  const response = await fetch(`${env().dropboxSign.oauthUrl}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: authorize.searchParams.get('client_id')!, state: authorize.searchParams.get('state')!, account: email, decision: 'allow' }),
  });
  await oauthCallback(new NextRequest(new URL(response.headers.get('location')!).href));
}

const bearer = (t: Tenant) => ({ authorization: `Bearer ${app.sandbox.pipedrive.signIframeToken(Number(t.companyId), Number(t.userExternalId))}`, 'content-type': 'application/json' });
const teamRoute = (t: Tenant, method: 'GET' | 'POST', body?: unknown) =>
  (method === 'GET' ? teamGet : teamPost)(new NextRequest(`${app.appUrl}/api/embedded/signatures/team`, { method, headers: bearer(t), ...(body ? { body: JSON.stringify(body) } : {}) }), { params: Promise.resolve({}) });

const files = (dropboxEmail: string, under: string) =>
  app.sandbox.dropbox.entries(dropboxEmail).filter((e) => e.kind === 'file' && e.pathDisplay.startsWith(`${under}/`)).map((e) => e.pathDisplay.slice(under.length + 1)).sort();
const short = (id: string) => id.slice(0, 8);

async function run(id = archiveId) {
  const r = await app.runSync(id);
  if (r.status === 'failed') throw r.error;
  return r;
}

let oldNda: string;
let framework: string;
let onboarding: string;

beforeAll(async () => {
  app = await createTestApp();
  app.sandbox.dropboxSign.config({ filesPreparingMs: 0 });
  admin = await app.installPipedrive(NORTHWIND.admin);
  regular = await app.installPipedrive(NORTHWIND.regular);
  // Before anyone activates anything (S4 is retroactive): a completed member request, one between two members, an open one.
  const sign = app.sandbox.dropboxSign;
  oldNda = sign.createRequest({ from: RAHUL, title: 'Old NDA', signers: [{ name: 'Hans', email: HANS }], documents: pdf('nda.pdf') }).id;
  sign.sign(oldNda, HANS);
  framework = sign.createRequest({ from: OLIVIA, title: 'Framework', signers: [{ name: 'Rahul', email: RAHUL }, { name: 'Ada', email: ADA }], documents: pdf('fw.pdf') }).id;
  sign.sign(framework, RAHUL);
  sign.sign(framework, ADA);
  onboarding = sign.createRequest({ from: NINA, title: 'Onboarding', signers: [{ name: 'Ada', email: ADA }], documents: pdf('onb.pdf') }).id;
  await linkDropbox(app, admin, OLIVIA_DBX);
  await linkSign(admin, OLIVIA);
  await linkSign(regular, RAHUL);
});
afterAll(async () => app?.close());

describe('S4 who may turn it on', () => {
  it('S4: a team member who is not a team admin cannot turn the team archive on (403) and is told so', async () => {
    const res = await teamRoute(regular, 'POST', {});
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('insufficient_permission');
    expect((await (await teamRoute(regular, 'GET')).json())).toMatchObject({ role: 'member', archive: null });
    const db = await getDb();
    expect(await db.select().from(signatureArchives).where(eq(signatureArchives.scope, 'team'))).toHaveLength(0);
  });

  it('S4: the team admin turns it on through the route', async () => {
    const res = await teamRoute(admin, 'POST', {});
    expect(res.status).toBe(200);
    archiveId = (await res.json()).archiveId;
    const db = await getDb();
    const [row] = await db.select({ archive: signatureArchives, connection: syncConnections }).from(signatureArchives).innerJoin(syncConnections, eq(syncConnections.id, signatureArchives.id)).where(eq(signatureArchives.id, archiveId));
    expect(row).toMatchObject({ archive: { scope: 'team', teamKey: 'team_northwind0001' }, connection: { kind: 'signatures', status: 'active' } });
    // Asking again changes nothing.
    expect(await activateTeamArchive(admin)).toBe(archiveId);
  });
});

describe('S4 the team archive', () => {
  it('S4: retroactive, per member: every member involved gets the document in their own S2 folder', async () => {
    await run();
    const team = `${ROOT}/Northwind Traders`;
    expect(files(OLIVIA_DBX, `${team}/${RAHUL}`)).toEqual(expect.arrayContaining([`Signature requested/Old NDA (signed) ${short(oldNda)}.pdf`, `Signed and returned by you/Framework (signed) ${short(framework)}.pdf`]));
    expect(files(OLIVIA_DBX, `${team}/${OLIVIA}`)).toEqual(expect.arrayContaining([`Signature requested/Framework (signed) ${short(framework)}.pdf`]));
    expect(files(OLIVIA_DBX, `${team}/${NINA}`)).toEqual(expect.arrayContaining([`Signature requested/Onboarding ${short(onboarding)}.pdf`]));
    // The user archive (S3, not retroactive) filed none of these.
    expect(app.sandbox.dropbox.entries(OLIVIA_DBX).filter((e) => e.kind === 'file' && e.pathDisplay.startsWith('/Dropbox Sign/'))).toHaveLength(0);
    const db = await getDb();
    const rows = await db.select().from(signatureDocuments).where(and(eq(signatureDocuments.archiveId, archiveId), eq(signatureDocuments.signatureRequestId, framework)));
    expect(rows.map((r) => r.memberKey).sort()).toEqual([app.sandbox.dropboxSign.account(OLIVIA).accountId, app.sandbox.dropboxSign.account(RAHUL).accountId].sort());
    expect(rows.every((r) => r.state === 'archived' && r.teamName === 'Northwind Traders' && r.attachState === null)).toBe(true);
  });

  it('S4: sharing the team folder is refused for an app-folder Dropbox app; recorded and shown, not faked', async () => {
    const db = await getDb();
    const [archive] = await db.select().from(signatureArchives).where(eq(signatureArchives.id, archiveId));
    expect(archive!.teamFolders!.teams['Northwind Traders']!.sharing).toEqual({ state: 'refused', reason: 'app_folder_app', admins: [] });
    expect(app.sandbox.dropbox.sharedFolders(OLIVIA_DBX)).toEqual([]);
    const overview = await teamArchiveOverview(admin);
    expect(overview).toMatchObject({ role: 'admin', archive: { mine: true, archivedBy: OLIVIA, teams: [{ teamName: 'Northwind Traders', current: true, sharing: { state: 'refused' } }] } });
  });

  it('S4/B10: another run files nothing twice', async () => {
    const before = app.sandbox.dropbox.requests().filter((r) => r.includes('files/upload')).length;
    const db = await getDb();
    const rowsBefore = (await db.select().from(signatureDocuments).where(eq(signatureDocuments.archiveId, archiveId))).length;
    await run();
    expect(app.sandbox.dropbox.requests().filter((r) => r.includes('files/upload')).length).toBe(before);
    expect((await db.select().from(signatureDocuments).where(eq(signatureDocuments.archiveId, archiveId))).length).toBe(rowsBefore);
  });

  it('S4: renaming the team starts a new team folder; earlier documents stay in the old one, new ones go to the new one', async () => {
    app.sandbox.dropboxSign.getState().teams['team_northwind0001']!.name = 'Northwind Global';
    app.sandbox.dropboxSign.sign(onboarding, ADA);
    const fresh = app.sandbox.dropboxSign.createRequest({ from: RAHUL, title: 'Renewal', signers: [{ name: 'Hans', email: HANS }], documents: pdf('renewal.pdf') }).id;
    await run();
    const oldTeam = `${ROOT}/Northwind Traders`;
    const newTeam = `${ROOT}/Northwind Global`;
    expect(files(OLIVIA_DBX, `${oldTeam}/${RAHUL}`)).toContain(`Signature requested/Old NDA (signed) ${short(oldNda)}.pdf`);
    expect(files(OLIVIA_DBX, `${oldTeam}/${NINA}`)).toEqual(expect.arrayContaining([`Signature requested/Onboarding ${short(onboarding)}.pdf`]));
    expect(files(OLIVIA_DBX, `${newTeam}/${NINA}`)).toEqual([`Signature requested/Onboarding (signed) ${short(onboarding)}.pdf`]);
    expect(files(OLIVIA_DBX, `${newTeam}/${RAHUL}`)).toEqual([`Signature requested/Renewal ${short(fresh)}.pdf`]);
    expect(files(OLIVIA_DBX, newTeam).some((f) => f.includes('Old NDA'))).toBe(false);
    const overview = await teamArchiveOverview(admin);
    expect(overview.archive!.teams.map((t) => [t.teamName, t.current])).toEqual([['Northwind Global', true], ['Northwind Traders', false]]);
  });
});

describe('S4 folders deleted in Dropbox', () => {
  it('S4/B10: a member folder deleted in Dropbox is made again at the next run (by path, then kept by id)', async () => {
    const newTeam = `${ROOT}/Northwind Global`;
    app.sandbox.dropbox.deleteEntry(OLIVIA_DBX, `${newTeam}/${NINA}`);
    const next = app.sandbox.dropboxSign.createRequest({ from: NINA, title: 'Expenses', signers: [{ name: 'Ada', email: ADA }], documents: pdf('exp.pdf') }).id;
    await run();
    expect(files(OLIVIA_DBX, `${newTeam}/${NINA}`)).toEqual([`Signature requested/Expenses ${short(next)}.pdf`]);
    const db = await getDb();
    const [row] = await db.select().from(signatureDocuments).where(and(eq(signatureDocuments.archiveId, archiveId), eq(signatureDocuments.signatureRequestId, next)));
    expect(row).toMatchObject({ state: 'waiting', lastErrorCode: null });
  });
});

describe('S4 switching and unlinking the admin account', () => {
  it('S4: another admin switches the team archive to their accounts (the old one stops, theirs starts retroactively)', async () => {
    app.sandbox.dropboxSign.account(RAHUL).roleCode = 'a';
    await linkDropbox(app, regular, RAHUL_DBX);
    await expect(activateTeamArchive(regular)).rejects.toMatchObject({ code: 'validation' });
    const switched = await activateTeamArchive(regular, { takeOver: true });
    expect(switched).not.toBe(archiveId);
    const db = await getDb();
    const [old] = await db.select().from(syncConnections).where(eq(syncConnections.id, archiveId));
    expect(old!.status).toBe('disabled');
    await run(switched);
    // Rahul's CRM user speaks Dutch: his archive's folder names are Dutch (names at activation, B8).
    expect(files(RAHUL_DBX, `${ROOT}/Northwind Global/${RAHUL}`)).toEqual(expect.arrayContaining([`Handtekening aangevraagd/Old NDA (signed) ${short(oldNda)}.pdf`, `Ontvangen/Contoso framework agreement 2027 (signed) ${short(app.sandbox.dropboxSign.getState().requestOrder[0]!)}.pdf`]));
    // Olivia is now a team admin other than the archiving one: the (refused) share names her.
    const [archive] = await db.select().from(signatureArchives).where(eq(signatureArchives.id, switched));
    expect(archive!.teamFolders!.teams['Northwind Global']!.sharing).toEqual({ state: 'refused', reason: 'app_folder_app', admins: [OLIVIA] });
    // The previous admin's Dropbox keeps what was filed.
    expect(files(OLIVIA_DBX, `${ROOT}/Northwind Traders/${RAHUL}`).length).toBeGreaterThan(0);
    expect((await teamArchiveOverview(admin)).archive).toMatchObject({ mine: false, archivedBy: RAHUL });
    archiveId = switched;
  });

  it('S4: unlinking stops the team archive; files stay', async () => {
    const before = files(RAHUL_DBX, ROOT).length;
    await unlinkTeamArchive(regular);
    const db = await getDb();
    const [c] = await db.select().from(syncConnections).where(eq(syncConnections.id, archiveId));
    expect(c!.status).toBe('disabled');
    expect(files(RAHUL_DBX, ROOT).length).toBe(before);
    expect((await teamArchiveOverview(regular)).archive).toBeNull();
  });

  it('S4: an archiving account that lost its admin role stops with insufficient_permission (nothing filed)', async () => {
    const id = await activateTeamArchive(regular);
    app.sandbox.dropboxSign.account(RAHUL).roleCode = 'm';
    const r = await app.runSync(id);
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'insufficient_permission' });
  });
});
