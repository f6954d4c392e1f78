ALTER TABLE "contact_links" ADD COLUMN "remote_seen_run_id" uuid;--> statement-breakpoint
ALTER TABLE "contact_links" ADD COLUMN "crm_verify_after" timestamp with time zone;