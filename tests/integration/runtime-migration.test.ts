/**
 * The runtime migration (0003) keeps what users already have: every contact sync becomes a connection with
 * the same id, state and linked account; runs, activity and links stay attached; English reasons become codes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../support/app-env';

const migration = (tag: string) =>
  readFileSync(path.join(process.cwd(), 'db', 'migrations', `${tag}.sql`), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);

describe('R1 runtime migration', () => {
  it.skipIf(!inject('postgresUrl'))('R1: existing contact syncs, runs, activity and links survive the move to sync_connections', async () => {
    const { url, name } = await createDatabase(inject('postgresUrl')!, 'mig');
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      for (const tag of ['0000_init', '0001_pipedrive_webhooks', '0002_incremental_sweeps']) for (const stmt of migration(tag)) await c.query(stmt);
      const inst = (await c.query(`insert into installations (crm, company_id, company_name) values ('pipedrive', '1', 'Northwind') returning id`)).rows[0].id;
      const user = (await c.query(`insert into crm_users (installation_id, crm_user_id, name) values ($1, '13001', 'Olivia') returning id`, [inst])).rows[0].id;
      const account = (await c.query(`insert into provider_accounts (installation_id, crm_user_id, provider, account_id, email) values ($1, $2, 'google', 'g1', 'o@example.com') returning id`, [inst, user])).rows[0].id;
      const sync = (
        await c.query(
          `insert into contact_syncs (installation_id, crm_user_id, provider_account_id, provider, direction, status, stage, consecutive_failures, last_error_code, started_at, next_run_at, pending_deletes, group_name)
           values ($1, $2, $3, 'google', 'two_way', 'paused_deletes', 'idle', 2, 'temporary', now(), now(), '[{"side":"crm","ids":["x"]}]', 'Clients') returning id`,
          [inst, user, account],
        )
      ).rows[0].id;
      await c.query(`insert into sync_runs (installation_id, sync_id, trigger, status) values ($1, $2, 'hourly', 'succeeded')`, [inst, sync]);
      await c.query(
        `insert into activity (installation_id, sync_id, action, side, label, reason) values
         ($1, $2, 'skipped', 'provider', 'Ada', 'Missing last name (Google requires first name, last name and a phone, mobile or e-mail).'),
         ($1, $2, 'deleted', 'crm', 'Bob', 'Deleted in the provider. Restorable for 30 days from the dashboard.'),
         ($1, $2, 'skipped', 'crm', 'Cy', 'The CRM rejected this contact: name too long')`,
        [inst, sync],
      );
      await c.query(
        `insert into contact_links (installation_id, sync_id, crm_id, state, skip_reason) values ($1, $2, '7', 'skipped', 'No phone, mobile or e-mail (Google requires at least one).')`,
        [inst, sync],
      );

      for (const stmt of migration('0003_sync_connections')) await c.query(stmt);

      const conn = (await c.query(`select * from sync_connections where id = $1`, [sync])).rows[0];
      expect(conn).toMatchObject({ kind: 'contacts', status: 'paused_deletes', stage: 'idle', consecutive_failures: 2, last_error_code: 'temporary', installation_id: inst, crm_user_id: user });
      expect(conn.account_ids).toEqual([account]);
      expect(conn.pending_deletes).toEqual([{ side: 'crm', ids: ['x'] }]);
      expect((await c.query(`select group_name from contact_syncs where id = $1`, [sync])).rows[0].group_name).toBe('Clients');
      expect((await c.query(`select count(*)::int n from sync_runs where connection_id = $1`, [sync])).rows[0].n).toBe(1);
      const acts = (await c.query(`select label, reason_code, reason from activity where connection_id = $1 order by label`, [sync])).rows;
      expect(acts).toEqual([
        { label: 'Ada', reason_code: 'contacts.missing_last_name', reason: null },
        { label: 'Bob', reason_code: 'contacts.deleted_in_provider', reason: null },
        { label: 'Cy', reason_code: 'crm_rejected', reason: 'The CRM rejected this contact: name too long' },
      ]);
      expect((await c.query(`select skip_code, skip_reason from contact_links where sync_id = $1`, [sync])).rows[0]).toEqual({ skip_code: 'contacts.missing_contact_point', skip_reason: null });
      // The new foreign keys hold: deleting the connection removes its settings, runs and activity.
      await c.query(`delete from sync_connections where id = $1`, [sync]);
      expect((await c.query(`select (select count(*) from contact_syncs)::int s, (select count(*) from sync_runs)::int r, (select count(*) from activity)::int a`)).rows[0]).toEqual({ s: 0, r: 0, a: 0 });
    } finally {
      await c.end();
      const admin = new Client({ connectionString: inject('postgresUrl')! });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
