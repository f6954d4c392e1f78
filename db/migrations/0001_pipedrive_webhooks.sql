ALTER TABLE "crm_users" ADD COLUMN "webhook_id" text;--> statement-breakpoint
ALTER TABLE "crm_users" ADD COLUMN "webhook_secret_enc" text;--> statement-breakpoint
ALTER TABLE "crm_users" ADD COLUMN "webhook_error" text;