/**
 * Data model. Every tenant-owned row carries installation_id so queries can always be scoped to the
 * tenant resolved from a verified iframe JWT / session (never from request parameters).
 * Tokens are stored only as AES-256-GCM ciphertext (lib/auth/token-vault.ts).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();

export const installations = pgTable(
  'installations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    crm: text('crm', { enum: ['pipedrive', 'teamleader'] }).notNull(),
    companyId: text('company_id').notNull(),
    companyName: text('company_name').notNull(),
    companyDomain: text('company_domain'),
    apiDomain: text('api_domain'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('installations_crm_company').on(t.crm, t.companyId)],
);

/** One row per CRM user who installed the app (Pipedrive installs are per user). Holds the CRM tokens. */
export const crmUsers = pgTable(
  'crm_users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmUserId: text('crm_user_id').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    locale: text('locale'),
    isAdmin: boolean('is_admin').notNull().default(false),
    /** installed | needs_reconnect | uninstalled */
    status: text('status', { enum: ['installed', 'needs_reconnect', 'uninstalled'] }).notNull().default('installed'),
    accessTokenEnc: text('access_token_enc'),
    refreshTokenEnc: text('refresh_token_enc'),
    accessTokenExpiresAt: ts('access_token_expires_at'),
    scope: text('scope'),
    tokenVersion: integer('token_version').notNull().default(0),
    lastAuthError: text('last_auth_error'),
    /** Pipedrive webhook for this user's person changes (B1); its Basic-auth password, encrypted. */
    webhookId: text('webhook_id'),
    webhookSecretEnc: text('webhook_secret_enc'),
    webhookError: text('webhook_error'),
    /**
     * Record-change webhooks besides persons/contacts, registered when the files pillar syncs such records
     * (CRMs send no file events): Pipedrive object → webhook id; Teamleader event type → 'registered'.
     * They share the person/contact webhook's credentials.
     */
    webhookTopics: jsonb('webhook_topics').$type<Record<string, string>>(),
    installedAt: ts('installed_at').notNull().defaultNow(),
    uninstalledAt: ts('uninstalled_at'),
    /** Uninstalled users' data is purged after this moment (M5: "user data purged on schedule"). */
    purgeAfter: ts('purge_after'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('crm_users_installation_user').on(t.installationId, t.crmUserId)],
);

/** A Google or Microsoft account linked by one CRM user (M3, C1). */
export const providerAccounts = pgTable(
  'provider_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmUserId: uuid('crm_user_id').notNull().references(() => crmUsers.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: ['google', 'microsoft', 'dropbox', 'dropbox_sign'] }).notNull(),
    accountId: text('account_id').notNull(),
    email: text('email').notNull(),
    displayName: text('display_name'),
    status: text('status', { enum: ['connected', 'needs_reconnect', 'disconnected'] }).notNull().default('connected'),
    accessTokenEnc: text('access_token_enc'),
    refreshTokenEnc: text('refresh_token_enc'),
    accessTokenExpiresAt: ts('access_token_expires_at'),
    scope: text('scope'),
    tokenVersion: integer('token_version').notNull().default(0),
    lastAuthError: text('last_auth_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('provider_accounts_owner').on(t.crmUserId, t.provider, t.accountId)],
);

/**
 * A sync connection of any pillar (contacts, files, signatures) and its state machine (ARCHITECTURE §7):
 * user-facing status, stage, stage_started_at for the stuck-run watchdog, consecutive failures, last error
 * code, last/next run, deletes waiting for confirmation. Only lib/sync/runtime/connections.ts writes these
 * columns (named transitions); a pillar keeps its own settings and cursors in its own table keyed by the
 * same id. `kind` is the pillar's registry key, so adding a pillar needs no schema change here.
 */
export const syncConnections = pgTable(
  'sync_connections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmUserId: uuid('crm_user_id').notNull().references(() => crmUsers.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    /**
     * The linked accounts (provider_accounts ids) this connection uses, so revoking or unlinking one pauses
     * exactly its connections without knowing the pillar.
     */
    accountIds: uuid('account_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** draft (set up, not started) | active | paused_deletes | needs_reconnect | error | disabled */
    status: text('status', {
      enum: ['draft', 'active', 'paused_deletes', 'needs_reconnect', 'error', 'disabled'],
    })
      .notNull()
      .default('draft'),
    /** idle | queued | running */
    stage: text('stage', { enum: ['idle', 'queued', 'running'] }).notNull().default('idle'),
    stageStartedAt: ts('stage_started_at'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastErrorCode: text('last_error_code'),
    /** The vendor's or our own detail for the last error (the user-facing text comes from the code). */
    lastErrorMessage: text('last_error_message'),
    lastRunAt: ts('last_run_at'),
    lastSuccessAt: ts('last_success_at'),
    nextRunAt: ts('next_run_at'),
    startedAt: ts('started_at'),
    /** Deletes awaiting confirmation when the mass-delete brake tripped (B3). */
    pendingDeletes: jsonb('pending_deletes').$type<{ side: 'crm' | 'provider'; ids: string[] }[] | null>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('sync_connections_installation').on(t.installationId),
    index('sync_connections_user').on(t.crmUserId),
    index('sync_connections_due').on(t.status, t.stage, t.nextRunAt),
  ],
);

/**
 * Settings and cursors of a contact sync (C3, C4, C7, B5, B6, C9). Its id is the connection's id: status,
 * stage and errors live on sync_connections.
 */
export const contactSyncs = pgTable(
  'contact_syncs',
  {
    id: uuid('id').primaryKey().references(() => syncConnections.id, { onDelete: 'cascade' }),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmUserId: uuid('crm_user_id').notNull().references(() => crmUsers.id, { onDelete: 'cascade' }),
    providerAccountId: uuid('provider_account_id').notNull().references(() => providerAccounts.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: ['google', 'microsoft'] }).notNull(),
    direction: text('direction', { enum: ['crm_to_provider', 'provider_to_crm', 'two_way'] }).notNull(),
    /** Remote group id as the provider returned it (Google contactGroups/…, Graph folder id). */
    groupId: text('group_id'),
    groupName: text('group_name'),
    visibility: integer('visibility'),
    conflictPolicy: text('conflict_policy', { enum: ['newest', 'crm', 'provider'] }).notNull().default('newest'),
    matchByEmail: boolean('match_by_email').notNull().default(false),
    /** B6: match against the user's own persons, or every person they can see (one-way import only; owner unchanged). */
    matchScope: text('match_scope', { enum: ['own', 'visible'] }).notNull().default('own'),
    /** CRM custom field keys created/reused for fields the CRM lacks (C9). */
    fieldMap: jsonb('field_map').$type<Record<string, string>>().notNull().default({}),
    crmCursor: text('crm_cursor'),
    providerCursor: text('provider_cursor'),
    /**
     * A sweep is one complete pass over the CRM listing; it may span runs (retries resume at sweepCursor).
     * Deletes are only inferred from a completed sweep (a record absent from a complete listing).
     */
    sweepId: uuid('sweep_id'),
    sweepCursor: text('sweep_cursor'),
    /** Persons seen by the last completed sweep (progress-bar total). */
    crmTotal: integer('crm_total'),
    firstSweepDone: boolean('first_sweep_done').notNull().default(false),
    /** When the last complete CRM listing finished (deletes are only inferred from one). */
    lastFullSweepAt: ts('last_full_sweep_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('contact_syncs_installation').on(t.installationId), index('contact_syncs_user').on(t.crmUserId)],
);

/** Base state: one row per linked (or skipped) pair, with both ids and the last synced snapshot. */
export const contactLinks = pgTable(
  'contact_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull(),
    syncId: uuid('sync_id').notNull().references(() => contactSyncs.id, { onDelete: 'cascade' }),
    crmId: text('crm_id'),
    remoteId: text('remote_id'),
    remoteEtag: text('remote_etag'),
    crmUpdatedAt: text('crm_updated_at'),
    /** Normalized contact as last synced (the base of the three-way merge). */
    snapshot: jsonb('snapshot').$type<Record<string, unknown> | null>(),
    snapshotHash: text('snapshot_hash'),
    /** linked | skipped | deleted */
    state: text('state', { enum: ['linked', 'skipped', 'deleted'] }).notNull().default('linked'),
    /** Why the record is skipped: a reason code (lib/sync/runtime/reasons.ts) … */
    skipCode: text('skip_code'),
    /** … and its free detail (a vendor's message), if any. */
    skipReason: text('skip_reason'),
    /** Which side we created (so we only ever delete what we created on the provider, C-rules). */
    createdBy: text('created_by', { enum: ['sync_to_provider', 'sync_to_crm', 'matched'] }),
    label: text('label'),
    /** Set just before a remote create is sent; a retry that finds it set looks for the twin first. */
    pendingSince: ts('pending_since'),
    /**
     * The CRM update time stored in crmUpdatedAt proves nothing on its own until a CRM listing that started
     * after this moment (our clock) has compared the content: an edit in the same CRM second as our write
     * or read carries the same update time, and the CRM's clock is not ours.
     */
    crmVerifyAfter: ts('crm_verify_after'),
    deletedAt: ts('deleted_at'),
    deletedSide: text('deleted_side', { enum: ['crm', 'provider'] }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('contact_links_sync_crm').on(t.syncId, t.crmId).where(sql`${t.crmId} is not null`),
    uniqueIndex('contact_links_sync_remote').on(t.syncId, t.remoteId).where(sql`${t.remoteId} is not null`),
    index('contact_links_sync_state').on(t.syncId, t.state),
  ],
);

export const syncRuns = pgTable(
  'sync_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull(),
    connectionId: uuid('connection_id').notNull().references(() => syncConnections.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    /** start | refresh | hourly | webhook | retry | confirm (validated by the runtime's event schema). */
    trigger: text('trigger').notNull(),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'paused'] })
      .notNull()
      .default('queued'),
    attempt: integer('attempt').notNull().default(1),
    /** What the run is doing now, as a code the UI translates (runtime/phases). */
    phase: text('phase'),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total'),
    counts: jsonb('counts')
      .$type<{ added: number; updated: number; deleted: number; skipped: number; conflicts: number; apiCalls?: number }>()
      .notNull()
      .default({ added: 0, updated: 0, deleted: 0, skipped: 0, conflicts: 0 }),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    queuedAt: ts('queued_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('sync_runs_connection').on(t.connectionId, t.queuedAt)],
);

/** Per-record log: added / updated / deleted / skipped (with reason) / conflict / restored. */
export const activity = pgTable(
  'activity',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    installationId: uuid('installation_id').notNull(),
    connectionId: uuid('connection_id').notNull().references(() => syncConnections.id, { onDelete: 'cascade' }),
    runId: uuid('run_id'),
    at: ts('at').notNull().defaultNow(),
    action: text('action', { enum: ['added', 'updated', 'deleted', 'skipped', 'conflict', 'restored'] }).notNull(),
    side: text('side', { enum: ['crm', 'provider'] }).notNull(),
    crmId: text('crm_id'),
    remoteId: text('remote_id'),
    label: text('label').notNull(),
    /** A reason code from lib/sync/runtime/reasons.ts, translated by key in the UI (B8). */
    reasonCode: text('reason_code'),
    /** Free detail for the code (a vendor's own message); shown as-is next to the translated reason. */
    reason: text('reason'),
    /** Values the reason's message interpolates ({field}, {winner}…) and links (url). */
    detail: jsonb('detail').$type<Record<string, unknown> | null>(),
  },
  (t) => [index('activity_connection_at').on(t.connectionId, t.at)],
);

/** Delivery ids already processed (webhook dedupe). */
export const webhookEvents = pgTable('webhook_events', {
  id: text('id').primaryKey(),
  source: text('source').notNull(),
  receivedAt: ts('received_at').notNull().defaultNow(),
});

/**
 * OAuth install states (S2): single use, and bound to the browser that started the install by a nonce
 * cookie. Stored by the SHA-256 of the nonce; consumed (used_at set) by the first callback that shows it.
 */
export const oauthStates = pgTable('oauth_states', {
  id: text('id').primaryKey(),
  crm: text('crm', { enum: ['pipedrive', 'teamleader'] }).notNull(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  createdAt: createdAt(),
});

/**
 * Provider-link flows (S1, C1): started by a verified CRM user, opened once in a popup, and attached to
 * that user only when the same user redeems the one-time code handed back to the opener. Until then the
 * consent result (tokens encrypted) waits here; it expires with the flow.
 */
export const linkFlows = pgTable(
  'link_flows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmUserId: uuid('crm_user_id').notNull().references(() => crmUsers.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: ['google', 'microsoft'] }).notNull(),
    email: text('email').notNull(),
    /** started → opened (ticket used) → consented (result stored, code issued) → redeemed */
    status: text('status', { enum: ['started', 'opened', 'consented', 'redeemed'] }).notNull().default('started'),
    /** SHA-256 of the one-time code handed to the opener; the code itself is never stored. */
    codeHash: text('code_hash'),
    resultEnc: text('result_enc'),
    expiresAt: ts('expires_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('link_flows_code').on(t.codeHash)],
);

/** Fixed-window request counters shared by every instance (S8: throttling public endpoints). */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);

/**
 * Settings of a Dropbox files connection (F1–F9). Its id is the connection's id (status, stage, errors on
 * sync_connections). One per CRM user and linked Dropbox account.
 */
export const fileSyncs = pgTable(
  'file_syncs',
  {
    id: uuid('id').primaryKey().references(() => syncConnections.id, { onDelete: 'cascade' }),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmUserId: uuid('crm_user_id').notNull().references(() => crmUsers.id, { onDelete: 'cascade' }),
    providerAccountId: uuid('provider_account_id').notNull().references(() => providerAccounts.id, { onDelete: 'cascade' }),
    /** Dropbox `account_id` (dbid:…): webhooks name accounts by it. */
    dropboxAccountId: text('dropbox_account_id').notNull(),
    /** App-folder-wide list_folder cursor (reserved for change detection across record folders). */
    appFolderCursor: text('app_folder_cursor'),
    /** Teamleader has no record surface: the modules the user chose to pick records from (F2). */
    modules: jsonb('modules').$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('file_syncs_installation').on(t.installationId), index('file_syncs_user').on(t.crmUserId), index('file_syncs_dropbox_account').on(t.dropboxAccountId)],
);

/** A CRM record whose files sync into one connection's Dropbox (F3): the record folder by id (F9) and its cursor. */
export const recordFolders = pgTable(
  'record_folders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id').notNull().references(() => fileSyncs.id, { onDelete: 'cascade' }),
    /** The CRM's record module (lib/crm/port.ts CrmRecordModule: person, deal, contact…). */
    crmModule: text('crm_module').notNull(),
    recordId: text('record_id').notNull(),
    recordName: text('record_name').notNull(),
    /** Null until the folder was created in Dropbox. */
    folderId: text('folder_id'),
    pathLower: text('path_lower'),
    pathDisplay: text('path_display'),
    /** The folder name last derived from the record name (a different derivation = CRM rename, F9). */
    derivedName: text('derived_name'),
    /** list_folder cursor of the record folder (recursive). */
    cursor: text('cursor'),
    lastSyncedAt: ts('last_synced_at'),
    /** Last complete pass (record read + folder lookup + complete listing); hourly runs take the unchanged-record shortcut until it is 6 h old. */
    fullCheckAt: ts('full_check_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('record_folders_record').on(t.connectionId, t.crmModule, t.recordId), index('record_folders_installation_record').on(t.installationId, t.crmModule, t.recordId)],
);

/**
 * The planner's base state (lib/sync/files/model.ts FileLink): one row per logical file of a CRM record,
 * shared by every Dropbox account that syncs the record (F5). `accounts` holds each account's copy (Dropbox
 * id, rev, content hash, path_lower, mirrored CRM file, tombstone), keyed by provider_accounts.id, and is
 * written one key at a time so two users' runs never overwrite each other's copies.
 */
export const fileLinks = pgTable(
  'file_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmModule: text('crm_module').notNull(),
    recordId: text('record_id').notNull(),
    /** The planner's deterministic link id (`crm:<file id>`, `dropbox:<account>:<id>`). */
    linkId: text('link_id').notNull(),
    crmFileId: text('crm_file_id').notNull(),
    crmName: text('crm_name').notNull(),
    crmFolder: text('crm_folder'),
    crmSize: bigint('crm_size', { mode: 'number' }).notNull(),
    contentHash: text('content_hash'),
    relativePath: text('relative_path').notNull(),
    accounts: jsonb('accounts')
      .$type<Record<string, { dropboxId: string; rev: string; contentHash: string; pathLower: string; crmFileId: string; deletedInDropbox: boolean; lastSyncedAt: string }>>()
      .notNull()
      .default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('file_links_link').on(t.installationId, t.crmModule, t.recordId, t.linkId)],
);

/**
 * An open "link Dropbox" flow (F1): the PKCE verifier stays server-side, encrypted, bound to the CRM user
 * who started it; the callback consumes the row (single use) before it expires.
 */
export const dropboxLinkStates = pgTable('dropbox_link_states', {
  id: uuid('id').primaryKey(),
  installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
  crmUserId: uuid('crm_user_id').notNull().references(() => crmUsers.id, { onDelete: 'cascade' }),
  codeVerifierEnc: text('code_verifier_enc').notNull(),
  expiresAt: ts('expires_at').notNull(),
  createdAt: createdAt(),
});

/**
 * Runs of different users' connections may touch one record's shared links (F5); the planner needs them
 * serialized per record. A short lease row per record does that on Postgres and PGlite alike.
 */
export const recordFileLeases = pgTable(
  'record_file_leases',
  {
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmModule: text('crm_module').notNull(),
    recordId: text('record_id').notNull(),
    holder: text('holder').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [uniqueIndex('record_file_leases_record').on(t.installationId, t.crmModule, t.recordId)],
);

/**
 * The Dropbox Sign archive of one CRM user (S1–S3). Its id is the connection's id (status, stage and errors live
 * on sync_connections). The four folders are kept by Dropbox id (renaming them in Dropbox keeps the archive
 * working); their names are the user's language at activation.
 */
export const signatureArchives = pgTable(
  'signature_archives',
  {
    id: uuid('id').primaryKey().references(() => syncConnections.id, { onDelete: 'cascade' }),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmUserId: uuid('crm_user_id').notNull().references(() => crmUsers.id, { onDelete: 'cascade' }),
    signAccountId: uuid('sign_account_id').notNull().references(() => providerAccounts.id, { onDelete: 'cascade' }),
    dropboxAccountId: uuid('dropbox_account_id').notNull().references(() => providerAccounts.id, { onDelete: 'cascade' }),
    /** S3: only requests completed (or sent) after this moment are archived. */
    activatedAt: ts('activated_at'),
    /** Folder ids by role (received, signatureRequested, sent, signedAndReturned) and their names at activation. */
    folders: jsonb('folders').$type<Record<string, { id: string | null; name: string }> | null>(),
    rootFolder: jsonb('root_folder').$type<{ id: string | null; name: string } | null>(),
    /** High-water mark: newest request creation time fully handled by a listing (listings are newest first). */
    listedUntil: ts('listed_until'),
    /**
     * S4: 'team' = an organization admin's retroactive archive of every team member's requests (`account_id=all`)
     * into team folders; 'user' = the S1–S3 archive of the user's own requests.
     */
    scope: text('scope', { enum: ['user', 'team'] }).notNull().default('user'),
    /** S4: the Dropbox Sign team archived (the team id, or its name where the API gives no id). */
    teamKey: text('team_key'),
    /** S4: one folder per team name (a rename starts a new one), each with its members' S2 folders and its sharing state. */
    teamFolders: jsonb('team_folders').$type<TeamFolders | null>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('signature_archives_user').on(t.crmUserId)],
);

/** S4 team folders by team name; `current` is the name the team has now (new documents go there). */
export type TeamFolders = {
  current: string;
  teams: Record<
    string,
    {
      id: string | null;
      name: string;
      /** shared = shared with the team's admins; refused = Dropbox refused (reason); null = not tried yet. */
      sharing: { state: 'shared'; sharedFolderId: string; admins: string[] } | { state: 'refused'; reason: string; admins: string[] } | null;
      /** Per team member (Dropbox Sign account id): the member's folder and its four S2 folders. */
      members: Record<string, { id: string | null; name: string; folders: Record<string, { id: string | null; name: string }> }>;
    }
  >;
};

/** One signature request seen by an archive: where its PDFs went and whether the CRM record got the signed one (B7). */
export const signatureDocuments = pgTable(
  'signature_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    installationId: uuid('installation_id').notNull(),
    archiveId: uuid('archive_id').notNull().references(() => signatureArchives.id, { onDelete: 'cascade' }),
    signatureRequestId: text('signature_request_id').notNull(),
    /** S4: whose perspective a team archive filed it from (the member's Dropbox Sign account id); '' for a user archive. */
    memberKey: text('member_key').notNull().default(''),
    /** S4: the team folder (team name at filing time) the copies went to. */
    teamName: text('team_name'),
    title: text('title').notNull().default(''),
    state: text('state', { enum: ['waiting', 'archived', 'failed'] }).notNull().default('waiting'),
    /** The S2 folder role the latest copy went to. */
    folder: text('folder'),
    originalFileId: text('original_file_id'),
    originalRev: text('original_rev'),
    originalFolder: text('original_folder'),
    signedFileId: text('signed_file_id'),
    signedRev: text('signed_rev'),
    signedFolder: text('signed_folder'),
    isComplete: boolean('is_complete').notNull().default(false),
    /** The CRM record from the request's metadata (or matched by signer e-mail). */
    crmModule: text('crm_module'),
    crmRecordId: text('crm_record_id'),
    /** B7: pending | attached | no_record | ambiguous | failed */
    attachState: text('attach_state', { enum: ['pending', 'attached', 'no_record', 'ambiguous', 'failed'] }),
    crmFileId: text('crm_file_id'),
    attempts: integer('attempts').notNull().default(0),
    /** Earliest next try (409 backoff: the files are still being prepared). */
    retryAfter: ts('retry_after'),
    lastErrorCode: text('last_error_code'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('signature_documents_archive_request_member').on(t.archiveId, t.signatureRequestId, t.memberKey),
    index('signature_documents_record').on(t.installationId, t.crmRecordId),
  ],
);

/**
 * How a provider tells us about changes between hourly runs (B1), one row per contact connection that
 * imports: a Microsoft Graph change-notification subscription on the synced folder (its id, the
 * clientState secret sealed, its expiry), or the Google sync-token poll cadence (next poll, last change
 * seen, polls spent in the current quota day). Lookups by subscription id authenticate notifications.
 */
export const changeWatches = pgTable(
  'change_watches',
  {
    connectionId: uuid('connection_id').primaryKey().references(() => syncConnections.id, { onDelete: 'cascade' }),
    installationId: uuid('installation_id').notNull().references(() => installations.id, { onDelete: 'cascade' }),
    crmUserId: uuid('crm_user_id').notNull().references(() => crmUsers.id, { onDelete: 'cascade' }),
    provider: text('provider', { enum: ['google', 'microsoft'] }).notNull(),
    /** Graph: the subscription id (unique across tenants; notifications are looked up by it). */
    subscriptionId: text('subscription_id'),
    /** Graph: the random clientState we sent, AES-256-GCM sealed; every notification must carry it. */
    clientStateEnc: text('client_state_enc'),
    /** Graph: the subscribed resource (`me/contactFolders/{id}/contacts`). */
    resource: text('resource'),
    expiresAt: ts('expires_at'),
    /** Graph: active | failed (creation or renewal refused; retried by housekeeping). Google: active. */
    status: text('status', { enum: ['active', 'failed'] }).notNull().default('active'),
    lastError: text('last_error'),
    lastNotificationAt: ts('last_notification_at'),
    /** Google: when the next sync-token check is due, and the cadence inputs. */
    nextPollAt: ts('next_poll_at'),
    lastChangeAt: ts('last_change_at'),
    lastPolledAt: ts('last_polled_at'),
    /** Google: checks spent in the current quota day (starts at pollDayStartedAt). */
    pollsToday: integer('polls_today').notNull().default(0),
    pollDayStartedAt: ts('poll_day_started_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('change_watches_subscription').on(t.subscriptionId).where(sql`${t.subscriptionId} is not null`),
    index('change_watches_poll_due').on(t.provider, t.nextPollAt),
    index('change_watches_expiry').on(t.provider, t.expiresAt),
  ],
);

/**
 * What a complete listing saw, one row per listed page (not a mark on every link: a sweep of N unchanged
 * contacts then writes N/500 rows instead of rewriting N link rows). `side` crm: the export's full CRM
 * sweep (`sweep_id` = contact_syncs.sweep_id; it spans runs and resumes at its cursor, so the pages listed
 * before a crash stay here). `side` provider: a full provider pass of the import (`sweep_id` = the run id).
 * Deletes are inferred from links absent from every page of the sweep. Rows of other sweeps are removed
 * when a pass is planned and when it finishes.
 */
export const contactSweepPages = pgTable(
  'contact_sweep_pages',
  {
    syncId: uuid('sync_id').notNull().references(() => contactSyncs.id, { onDelete: 'cascade' }),
    sweepId: uuid('sweep_id').notNull(),
    side: text('side', { enum: ['crm', 'provider'] }).notNull(),
    /** The page's listing cursor, hashed (vendor cursors can be long); the first page has its own key. */
    pageKey: text('page_key').notNull(),
    /** The ids the page listed: CRM person ids (crm) or provider contact ids (provider). */
    ids: text('ids').array().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.syncId, t.sweepId, t.side, t.pageKey] })],
);
