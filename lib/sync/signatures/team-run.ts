/**
 * The team archive run (S4, the article's Enterprise+ rules): an organization admin's Dropbox gets every team
 * member's requests, retroactively, listed with `account_id=all` (team admins only).
 *
 *   /<team root>/<team name>/<member e-mail>/<the four S2 folders>
 *
 * - Per member: a request is filed once for every team member involved in it, classified from that member's side
 *   (S2), so "Signature requested" of the sender and "Signed and returned by you" of a signing colleague both hold
 *   it. The document row is keyed by (archive, request, member), so a retry or a callback racing the hourly run
 *   never files it twice.
 * - Team renames: the team folder is keyed by the team's name at filing time. A new name starts a new team folder;
 *   documents filed before stay in the old one, everything filed from then on (including the signed copy of a
 *   request still open at the rename) goes to the new one.
 * - Sharing with the team's admins: tried once per team folder (and again for admins added later) through
 *   `sharing/share_folder` + `add_folder_member`. An app-folder Dropbox app is refused by Dropbox, which is recorded
 *   and shown as such (see docs/ARCHITECTURE-NOTES.md, "Team archive (S4)").
 * - Not attached to CRM records: each member's own archive does that (B7), so a record never gets a twin.
 * - The admin must still be a team admin at every run; otherwise the run stops with `insufficient_permission`.
 */
import { eq } from 'drizzle-orm';
import { signatureArchives, signatureDocuments, type TeamFolders } from '@/db/schema';
import { SyncError } from '@/lib/errors';
import type { SignatureRequestInfo } from '@/lib/providers/dropbox-sign/mapper';
import { dropboxSharingFor } from '@/lib/providers/dropbox';
import { recordActivity } from '@/lib/sync/runtime/activity';
import type { RunContext, RunOutcome } from '@/lib/sync/runtime/pillar';
import type { RunCounts } from '@/lib/sync/runtime/runs';
import { applySignatureRequest, FOLDER_ROLES, type ArchiveFolders, type Perspective } from './apply';
import { loadArchiveContext, type ArchiveContext } from './context';
import { addCounts, finishListing, reReadOpenRequests } from './passes';
import type { SignatureRunRequest } from './run';

const PAGE_SIZE = 100;

export type TeamMember = { accountId: string; email: string; isAdmin: boolean };

/** Dropbox names: no slashes or control characters, no trailing dots or spaces. */
export function folderSafeName(name: string, fallback: string): string {
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 120).replace(/[. ]+$/, '') || fallback;
}

/** The team as the admin's token sees it now; refuses when the linked account is no longer a team admin. */
export async function loadTeam(sync: ArchiveContext): Promise<{ name: string; members: TeamMember[] }> {
  const account = await sync.sign.getAccount();
  if (!account.isTeamAdmin) throw new SyncError('insufficient_permission', 'The linked Dropbox Sign account is no longer an admin of its team; link a team admin to keep archiving the team.', { vendor: 'dropbox-sign', detail: { reason: 'team_admin_required' } });
  const team = await sync.sign.getTeam();
  return {
    name: team.name,
    members: team.members.filter((m) => m.accountId && m.email).map((m) => ({ accountId: m.accountId, email: m.email.trim().toLowerCase(), isAdmin: m.roleCode === 'a' })),
  };
}

async function saveTeamFolders(sync: ArchiveContext, teamFolders: TeamFolders) {
  await sync.db.update(signatureArchives).set({ teamFolders, updatedAt: new Date() }).where(eq(signatureArchives.id, sync.archive.id));
  sync.archive.teamFolders = teamFolders;
}

/** A folder kept by id: found again after a rename in Dropbox, created at `path` when gone. */
async function folderById(sync: ArchiveContext, id: string | null, path: string): Promise<{ id: string; path: string }> {
  const entry = id ? await sync.dropbox.getMetadata(id) : null;
  if (entry && entry.kind === 'folder') return { id: entry.id!, path: entry.pathDisplay };
  const created = await sync.dropbox.ensureFolder(path);
  return { id: created.id!, path: created.pathDisplay };
}

/**
 * The current team folder (a new one when the team was renamed) and its sharing with the team's admins.
 * Returns the team name documents are filed under now.
 */
async function ensureTeamFolder(sync: ArchiveContext, team: { name: string; members: TeamMember[] }, runId: string): Promise<string> {
  const teamFolders: TeamFolders = structuredClone(sync.archive.teamFolders ?? { current: team.name, teams: {} });
  const root = sync.archive.rootFolder!;
  const rootFolder = await folderById(sync, root.id, `/${root.name}`);
  if (root.id !== rootFolder.id) {
    await sync.db.update(signatureArchives).set({ rootFolder: { id: rootFolder.id, name: root.name }, updatedAt: new Date() }).where(eq(signatureArchives.id, sync.archive.id));
    sync.archive.rootFolder = { id: rootFolder.id, name: root.name };
  }
  const activity = [];
  const base = { installationId: sync.archive.installationId, connectionId: sync.archive.id, runId, side: 'provider' as const, remoteId: team.name, label: team.name };
  const isNew = !teamFolders.teams[team.name];
  const entry = teamFolders.teams[team.name] ?? { id: null, name: folderSafeName(team.name, 'Team'), sharing: null, members: {} };
  const folder = await folderById(sync, entry.id, `${rootFolder.path}/${entry.name}`);
  entry.id = folder.id;
  teamFolders.teams[team.name] = entry;
  teamFolders.current = team.name;
  if (isNew) activity.push({ ...base, action: 'added' as const, reasonCode: 'signatures.team_folder_created' as const, detail: { folder: entry.name } });

  // Share with the team's admins (the archiving admin owns the folder already).
  const own = new Set([sync.dropboxAccount.email, sync.signAccount.email].map((e) => e.trim().toLowerCase()));
  const admins = team.members.filter((m) => m.isAdmin && !own.has(m.email)).map((m) => m.email);
  const sharing = entry.sharing;
  const missing = sharing?.state === 'shared' ? admins.filter((a) => !sharing.admins.includes(a)) : [];
  if (!sharing || missing.length) {
    const share = dropboxSharingFor({ kind: 'provider_account', id: sync.dropboxAccount.id });
    const shared = sharing?.state === 'shared' ? { shared: true as const, sharedFolderId: sharing.sharedFolderId } : await share.shareFolder(folder.id);
    if (!shared.shared) {
      entry.sharing = { state: 'refused', reason: shared.reason, admins };
      activity.push({ ...base, action: 'skipped' as const, reasonCode: 'signatures.team_share_refused' as const, detail: { folder: entry.name, reason: shared.reason } });
    } else {
      const invite = sharing?.state === 'shared' ? missing : admins;
      const added = await share.addFolderMembers(shared.sharedFolderId, invite, 'viewer');
      if (added.added) {
        entry.sharing = { state: 'shared', sharedFolderId: shared.sharedFolderId, admins: [...new Set([...(sharing?.state === 'shared' ? sharing.admins : []), ...invite])] };
        activity.push({ ...base, action: 'added' as const, reasonCode: 'signatures.team_folder_shared' as const, detail: { folder: entry.name, count: invite.length } });
      } else {
        entry.sharing = { state: 'refused', reason: added.reason, admins };
        activity.push({ ...base, action: 'skipped' as const, reasonCode: 'signatures.team_share_refused' as const, detail: { folder: entry.name, reason: added.reason } });
      }
    }
  } else if (sharing.state === 'refused') {
    entry.sharing = { ...sharing, admins };
  }
  await saveTeamFolders(sync, teamFolders);
  await recordActivity(activity, sync.db);
  return team.name;
}

/** Member folders checked in this process for a run (a folder deleted in Dropbox is made again, once per run). */
const checkedThisRun = new Map<string, Set<string>>();

/** A member's four S2 folders inside the team folder `teamName`, created on first use and kept by id. */
async function memberFolders(sync: ArchiveContext, teamName: string, member: TeamMember, runId: string): Promise<ArchiveFolders> {
  const teamFolders: TeamFolders = structuredClone(sync.archive.teamFolders!);
  const team = teamFolders.teams[teamName]!;
  const names = sync.archive.folders as ArchiveFolders;
  const known = team.members[member.accountId];
  if (!checkedThisRun.has(runId)) {
    if (checkedThisRun.size > 100) checkedThisRun.clear();
    checkedThisRun.set(runId, new Set());
  }
  const checked = checkedThisRun.get(runId)!;
  const key = `${teamName}\u0000${member.accountId}`;
  if (known && FOLDER_ROLES.every((r) => known.folders[r]?.id) && checked.has(key)) return known.folders as ArchiveFolders;
  checked.add(key);
  const teamFolder = await folderById(sync, team.id, `/${sync.archive.rootFolder!.name}/${team.name}`);
  const entry = known ?? { id: null, name: folderSafeName(member.email, member.accountId), folders: {} };
  const memberFolder = await folderById(sync, entry.id, `${teamFolder.path}/${entry.name}`);
  entry.id = memberFolder.id;
  for (const role of FOLDER_ROLES) {
    const f = await folderById(sync, entry.folders[role]?.id ?? null, `${memberFolder.path}/${names[role].name}`);
    entry.folders[role] = { id: f.id, name: names[role].name };
  }
  team.id = teamFolder.id;
  team.members[member.accountId] = entry;
  await saveTeamFolders(sync, teamFolders);
  return entry.folders as ArchiveFolders;
}

/** Team members involved in a request: its sender, its signers, its CC'd people. */
export function involvedMembers(request: SignatureRequestInfo, members: TeamMember[]): TeamMember[] {
  const emails = new Set([request.requesterEmail, ...request.signers.map((s) => s.email), ...request.ccEmails].map((e) => e.trim().toLowerCase()));
  return members.filter((m) => emails.has(m.email));
}

async function applyForTeam(sync: ArchiveContext, request: SignatureRequestInfo, members: TeamMember[], teamName: string, runId: string, only?: string) {
  const counts: Partial<RunCounts> = {};
  let notReady = false;
  for (const member of involvedMembers(request, members)) {
    if (only !== undefined && member.accountId !== only) continue;
    const folders = await memberFolders(sync, teamName, member, runId);
    const view: Perspective = { memberKey: member.accountId, email: member.email, retroactive: true, attach: false, teamName };
    const res = await applySignatureRequest(sync, request, folders, runId, view);
    addCounts(counts, res.counts);
    notReady ||= res.notReady;
  }
  return { counts, notReady };
}

export async function runTeamArchive(ctx: RunContext<SignatureRunRequest>): Promise<RunOutcome> {
  const { step, request, runId } = ctx;
  const archiveId = request.connectionId;

  const plan = await step.run('team-prepare', async () => {
    const counter = { count: 0 };
    const sync = await loadArchiveContext(archiveId, counter);
    const team = await loadTeam(sync);
    const teamName = await ensureTeamFolder(sync, team, runId);
    await ctx.progress(0, { apiCalls: counter.count }, 'preparing');
    return { listedUntil: sync.archive.listedUntil?.toISOString() ?? null, startedAt: new Date().toISOString(), teamName, members: team.members };
  });
  const { teamName, members } = plan;

  if (request.signatureRequestId) {
    await step.run('hinted-request', async () => {
      const counter = { count: 0 };
      const sync = await loadArchiveContext(archiveId, counter);
      const r = await sync.sign.getSignatureRequest(request.signatureRequestId!).catch((error) => {
        if (error instanceof SyncError && (error.code === 'not_found' || error.code === 'insufficient_permission')) return null;
        throw error;
      });
      const res = r ? await applyForTeam(sync, r, members, teamName, runId) : { counts: {} };
      await ctx.progress(r ? 1 : 0, { ...res.counts, apiCalls: counter.count }, 'reading_provider');
    });
  }

  // Every member's requests, newest first, down to the last complete listing (the first run lists all: S4 is retroactive).
  let page = 1;
  let newest: string | null = null;
  let notReady = 0;
  for (;;) {
    await ctx.assertActive();
    const r: { numPages: number; reachedMark: boolean; newest: string | null; notReady: number } = await step.run(`team-list-page-${page}`, async () => {
      const counter = { count: 0 };
      const sync = await loadArchiveContext(archiveId, counter);
      const listing = await sync.sign.listSignatureRequests(page, { accountId: 'all', pageSize: PAGE_SIZE });
      const counts: Partial<RunCounts> = {};
      let reachedMark = false;
      let pageNotReady = 0;
      for (const req of listing.requests) {
        if (plan.listedUntil && req.createdAt && req.createdAt.toISOString() < plan.listedUntil) {
          reachedMark = true;
          continue;
        }
        const res = await applyForTeam(sync, req, members, teamName, runId);
        addCounts(counts, res.counts);
        if (res.notReady) pageNotReady++;
      }
      if (page === 1) await ctx.setTotal(listing.numResults || null);
      await ctx.progress(listing.requests.length, { ...counts, apiCalls: counter.count }, 'reading_provider');
      await ctx.heartbeat();
      return { numPages: listing.numPages, reachedMark, newest: page === 1 ? (listing.requests[0]?.createdAt?.toISOString() ?? null) : null, notReady: pageNotReady };
    });
    if (page === 1) newest = r.newest;
    notReady += r.notReady;
    if (r.reachedMark || page >= r.numPages) break;
    page++;
  }

  // Documents still open (waiting for signatures or for their files): re-read each request once, file per member.
  await reReadOpenRequests(ctx, archiveId, {
    stepName: 'team-open',
    retryPrefix: 'team-',
    startedAt: plan.startedAt,
    open: eq(signatureDocuments.state, 'waiting'),
    oncePerRequest: false,
    file: (sync, req, memberKey) => applyForTeam(sync, req, members, teamName, runId, memberKey),
    notReadySoFar: notReady,
  });

  await finishListing(ctx, 'team-finish', archiveId, newest, plan.listedUntil);
  return { status: 'succeeded' };
}

