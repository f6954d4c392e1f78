CREATE TABLE "sync_connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"account_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"stage" text DEFAULT 'idle' NOT NULL,
	"stage_started_at" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_error_code" text,
	"last_error_message" text,
	"last_run_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"next_run_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"pending_deletes" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Existing contact syncs become connections with the same id, keeping their state and history.
INSERT INTO "sync_connections" ("id", "installation_id", "crm_user_id", "kind", "account_ids", "status", "stage", "stage_started_at", "consecutive_failures", "last_error_code", "last_error_message", "last_run_at", "last_success_at", "next_run_at", "started_at", "pending_deletes", "created_at", "updated_at")
  SELECT "id", "installation_id", "crm_user_id", 'contacts', ARRAY["provider_account_id"], "status", "stage", "stage_started_at", "consecutive_failures", "last_error_code", "last_error_message", "last_run_at", "last_success_at", "next_run_at", "started_at", "pending_deletes", "created_at", "updated_at" FROM "contact_syncs";
--> statement-breakpoint
ALTER TABLE "activity" RENAME COLUMN "sync_id" TO "connection_id";--> statement-breakpoint
ALTER TABLE "sync_runs" RENAME COLUMN "sync_id" TO "connection_id";--> statement-breakpoint
ALTER TABLE "activity" DROP CONSTRAINT "activity_sync_id_contact_syncs_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_runs" DROP CONSTRAINT "sync_runs_sync_id_contact_syncs_id_fk";
--> statement-breakpoint
DROP INDEX "activity_sync_at";--> statement-breakpoint
DROP INDEX "sync_runs_sync";--> statement-breakpoint
ALTER TABLE "contact_syncs" ALTER COLUMN "id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "sync_runs" ALTER COLUMN "kind" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "activity" ADD COLUMN "reason_code" text;--> statement-breakpoint
ALTER TABLE "contact_links" ADD COLUMN "skip_code" text;--> statement-breakpoint
ALTER TABLE "sync_connections" ADD CONSTRAINT "sync_connections_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_connections" ADD CONSTRAINT "sync_connections_crm_user_id_crm_users_id_fk" FOREIGN KEY ("crm_user_id") REFERENCES "public"."crm_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sync_connections_installation" ON "sync_connections" USING btree ("installation_id");--> statement-breakpoint
CREATE INDEX "sync_connections_user" ON "sync_connections" USING btree ("crm_user_id");--> statement-breakpoint
CREATE INDEX "sync_connections_due" ON "sync_connections" USING btree ("status","stage","next_run_at");--> statement-breakpoint
ALTER TABLE "activity" ADD CONSTRAINT "activity_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_syncs" ADD CONSTRAINT "contact_syncs_id_sync_connections_id_fk" FOREIGN KEY ("id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "activity_connection_at" ON "activity" USING btree ("connection_id","at");--> statement-breakpoint
CREATE INDEX "sync_runs_connection" ON "sync_runs" USING btree ("connection_id","queued_at");--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "status";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "stage";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "stage_started_at";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "consecutive_failures";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "last_error_code";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "last_error_message";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "last_run_at";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "last_success_at";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "next_run_at";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "started_at";--> statement-breakpoint
ALTER TABLE "contact_syncs" DROP COLUMN "pending_deletes";
--> statement-breakpoint
-- Reasons were stored as English sentences; known ones become codes the UI translates (B8).
UPDATE "activity" SET "reason_code" = CASE
  WHEN "reason" LIKE 'Missing first name%' THEN 'contacts.missing_first_name'
  WHEN "reason" LIKE 'Missing last name%' THEN 'contacts.missing_last_name'
  WHEN "reason" LIKE 'No phone, mobile or e-mail%' THEN 'contacts.missing_contact_point'
  WHEN "reason" = 'The contact has no name; the CRM needs one.' THEN 'contacts.no_name'
  WHEN "reason" LIKE 'Linked to your existing person with the same e-mail%' THEN 'contacts.matched_by_email'
  WHEN "reason" LIKE 'Recovered after an interrupted run%' THEN 'contacts.recovered'
  WHEN "reason" LIKE 'It had been deleted in the CRM but was edited in the provider%' THEN 'contacts.edit_beats_crm_delete'
  WHEN "reason" LIKE 'It had been deleted in the provider; the CRM is the source%' THEN 'contacts.recreated_in_provider'
  WHEN "reason" LIKE 'Deleted in the provider. Restorable%' THEN 'contacts.deleted_in_provider'
  WHEN "reason" LIKE 'Deleted in the CRM or no longer owned by you%' THEN 'contacts.deleted_in_crm'
  WHEN "reason" LIKE 'Restored from the copy kept%' THEN 'restored'
  WHEN "action" = 'conflict' THEN 'contacts.field_conflict'
  WHEN "reason" LIKE 'The CRM rejected this contact:%' THEN 'crm_rejected'
  ELSE NULL END;
--> statement-breakpoint
UPDATE "activity" SET "reason" = NULL WHERE "reason_code" IS NOT NULL AND "reason_code" <> 'crm_rejected';
--> statement-breakpoint
UPDATE "contact_links" SET "skip_code" = CASE
  WHEN "skip_reason" LIKE 'Missing first name%' THEN 'contacts.missing_first_name'
  WHEN "skip_reason" LIKE 'Missing last name%' THEN 'contacts.missing_last_name'
  WHEN "skip_reason" LIKE 'No phone, mobile or e-mail%' THEN 'contacts.missing_contact_point'
  WHEN "skip_reason" LIKE 'The CRM rejected this contact:%' THEN 'crm_rejected'
  WHEN "skip_reason" IS NOT NULL THEN 'provider_rejected'
  ELSE NULL END;
--> statement-breakpoint
UPDATE "contact_links" SET "skip_reason" = NULL WHERE "skip_code" LIKE 'contacts.%';
