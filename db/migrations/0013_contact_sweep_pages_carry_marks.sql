-- Hand-written data migration (between creating contact_sweep_pages and dropping the per-link marks).
-- A sweep in flight at deploy time keeps what it has already seen: the marks of the pages it listed
-- become one carried page record, so the resumed sweep never takes those persons for gone.
-- Export: the CRM sweep of each connection that has one unfinished.
INSERT INTO "contact_sweep_pages" ("sync_id", "sweep_id", "side", "page_key", "ids")
SELECT l."sync_id", l."seen_sweep_id", 'crm', 'carried', array_agg(l."crm_id")
FROM "contact_links" l
JOIN "contact_syncs" s ON s."id" = l."sync_id" AND s."sweep_id" = l."seen_sweep_id"
WHERE l."crm_id" IS NOT NULL
GROUP BY l."sync_id", l."seen_sweep_id"
ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Import: the full provider pass of each run not finished yet.
INSERT INTO "contact_sweep_pages" ("sync_id", "sweep_id", "side", "page_key", "ids")
SELECT l."sync_id", l."remote_seen_run_id", 'provider', 'carried', array_agg(l."remote_id")
FROM "contact_links" l
JOIN "sync_runs" r ON r."id" = l."remote_seen_run_id" AND r."status" IN ('queued', 'running')
WHERE l."remote_id" IS NOT NULL
GROUP BY l."sync_id", l."remote_seen_run_id"
ON CONFLICT DO NOTHING;
