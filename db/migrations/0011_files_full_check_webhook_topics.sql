ALTER TABLE "crm_users" ADD COLUMN "webhook_topics" jsonb;--> statement-breakpoint
ALTER TABLE "record_folders" ADD COLUMN "full_check_at" timestamp with time zone;