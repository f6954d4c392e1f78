/**
 * The move from per-link "seen" marks to per-page sweep records (contact_sweep_pages) at deploy time: a
 * sweep in flight keeps what it has already seen, so its resumed run never takes those persons (or, for a
 * full provider pass, those contacts) for deleted. Finished sweeps and runs carry nothing over.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../support/app-env';

const dir = path.join(process.cwd(), 'db', 'migrations');
const tags = (JSON.parse(readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] }).entries.map((e) => e.tag);
const statements = (tag: string) =>
  readFileSync(path.join(dir, `${tag}.sql`), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter(Boolean);
const indexOf = (suffix: string) => tags.findIndex((t) => t.replace(/^\d+_/, '') === suffix);

describe('C13 sweep records migration', () => {
  it.skipIf(!inject('postgresUrl'))('C13: a sweep in flight at deploy time keeps the persons and contacts it had already listed', async () => {
    const { url, name } = await createDatabase(inject('postgresUrl')!, 'mig');
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      const created = indexOf('contact_sweep_pages');
      const carried = indexOf('contact_sweep_pages_carry_marks');
      const dropped = indexOf('contact_links_drop_seen_marks');
      expect([created + 1, created + 2]).toEqual([carried, dropped]);
      for (const tag of tags.slice(0, created + 1)) for (const stmt of statements(tag)) await c.query(stmt);

      // Parent rows (installations, users, accounts, connections) do not matter here: skip FK checks.
      await c.query('set session_replication_role = replica');
      const ids = { inst: crypto.randomUUID(), resuming: crypto.randomUUID(), idle: crypto.randomUUID(), sweep: crypto.randomUUID(), oldSweep: crypto.randomUUID(), running: crypto.randomUUID(), done: crypto.randomUUID() };
      const sync = `insert into contact_syncs (id, installation_id, crm_user_id, provider_account_id, provider, direction, sweep_id, sweep_cursor) values ($1, $2, $2, $2, 'google', 'two_way', $3, $4)`;
      await c.query(sync, [ids.resuming, ids.inst, ids.sweep, 'cursor-3']);
      await c.query(sync, [ids.idle, ids.inst, null, null]);
      const run = `insert into sync_runs (id, installation_id, connection_id, kind, trigger, status) values ($1, $2, $3, 'contacts', 'refresh', $4)`;
      await c.query(run, [ids.running, ids.inst, ids.resuming, 'running']);
      await c.query(run, [ids.done, ids.inst, ids.idle, 'succeeded']);
      const link = `insert into contact_links (installation_id, sync_id, crm_id, remote_id, seen_sweep_id, remote_seen_run_id) values ($1, $2, $3, $4, $5, $6)`;
      await c.query(link, [ids.inst, ids.resuming, '1', 'people/c1', ids.sweep, ids.running]);
      await c.query(link, [ids.inst, ids.resuming, '2', 'people/c2', ids.sweep, null]);
      await c.query(link, [ids.inst, ids.resuming, '3', 'people/c3', ids.oldSweep, ids.done]);
      await c.query(link, [ids.inst, ids.resuming, '4', null, null, null]);
      await c.query(link, [ids.inst, ids.idle, '9', 'people/c9', ids.oldSweep, ids.done]);

      for (const tag of tags.slice(created + 1, dropped + 1)) for (const stmt of statements(tag)) await c.query(stmt);

      const pages = (await c.query(`select sync_id, sweep_id, side, page_key, ids from contact_sweep_pages order by side`)).rows;
      expect(pages).toEqual([
        { sync_id: ids.resuming, sweep_id: ids.sweep, side: 'crm', page_key: 'carried', ids: expect.arrayContaining(['1', '2']) },
        { sync_id: ids.resuming, sweep_id: ids.running, side: 'provider', page_key: 'carried', ids: ['people/c1'] },
      ]);
      expect(pages[0].ids).toHaveLength(2);
      const columns = (await c.query(`select column_name from information_schema.columns where table_name = 'contact_links'`)).rows.map((r) => r.column_name);
      expect(columns).not.toContain('seen_sweep_id');
      expect(columns).not.toContain('remote_seen_run_id');
      // The records go with the connection's sync settings.
      await c.query('set session_replication_role = origin');
      await c.query(`delete from contact_syncs where id = $1`, [ids.resuming]);
      expect((await c.query(`select count(*)::int n from contact_sweep_pages`)).rows[0].n).toBe(0);
    } finally {
      await c.end();
      const admin = new Client({ connectionString: inject('postgresUrl')! });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
