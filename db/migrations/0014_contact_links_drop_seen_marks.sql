ALTER TABLE "contact_links" DROP COLUMN "seen_sweep_id";--> statement-breakpoint
ALTER TABLE "contact_links" DROP COLUMN "remote_seen_run_id";