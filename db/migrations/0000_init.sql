CREATE TABLE "activity" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"installation_id" uuid NOT NULL,
	"sync_id" uuid NOT NULL,
	"run_id" uuid,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"action" text NOT NULL,
	"side" text NOT NULL,
	"crm_id" text,
	"remote_id" text,
	"label" text NOT NULL,
	"reason" text,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "contact_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"sync_id" uuid NOT NULL,
	"crm_id" text,
	"remote_id" text,
	"remote_etag" text,
	"crm_updated_at" text,
	"snapshot" jsonb,
	"snapshot_hash" text,
	"state" text DEFAULT 'linked' NOT NULL,
	"skip_reason" text,
	"created_by" text,
	"label" text,
	"pending_since" timestamp with time zone,
	"seen_sweep_id" uuid,
	"deleted_at" timestamp with time zone,
	"deleted_side" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contact_syncs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_user_id" uuid NOT NULL,
	"provider_account_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"direction" text NOT NULL,
	"group_id" text,
	"group_name" text,
	"visibility" integer,
	"conflict_policy" text DEFAULT 'newest' NOT NULL,
	"match_by_email" boolean DEFAULT false NOT NULL,
	"field_map" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"stage" text DEFAULT 'idle' NOT NULL,
	"stage_started_at" timestamp with time zone,
	"crm_cursor" text,
	"provider_cursor" text,
	"sweep_id" uuid,
	"sweep_cursor" text,
	"crm_total" integer,
	"first_sweep_done" boolean DEFAULT false NOT NULL,
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
CREATE TABLE "crm_users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_user_id" text NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"locale" text,
	"is_admin" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'installed' NOT NULL,
	"access_token_enc" text,
	"refresh_token_enc" text,
	"access_token_expires_at" timestamp with time zone,
	"scope" text,
	"token_version" integer DEFAULT 0 NOT NULL,
	"last_auth_error" text,
	"installed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"uninstalled_at" timestamp with time zone,
	"purge_after" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "installations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"crm" text NOT NULL,
	"company_id" text NOT NULL,
	"company_name" text NOT NULL,
	"company_domain" text,
	"api_domain" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"account_id" text NOT NULL,
	"email" text NOT NULL,
	"display_name" text,
	"status" text DEFAULT 'connected' NOT NULL,
	"access_token_enc" text,
	"refresh_token_enc" text,
	"access_token_expires_at" timestamp with time zone,
	"scope" text,
	"token_version" integer DEFAULT 0 NOT NULL,
	"last_auth_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"sync_id" uuid NOT NULL,
	"kind" text DEFAULT 'contacts' NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"phase" text,
	"progress_done" integer DEFAULT 0 NOT NULL,
	"progress_total" integer,
	"counts" jsonb DEFAULT '{"added":0,"updated":0,"deleted":0,"skipped":0,"conflicts":0}'::jsonb NOT NULL,
	"error_code" text,
	"error_message" text,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "activity" ADD CONSTRAINT "activity_sync_id_contact_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."contact_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_links" ADD CONSTRAINT "contact_links_sync_id_contact_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."contact_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_syncs" ADD CONSTRAINT "contact_syncs_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_syncs" ADD CONSTRAINT "contact_syncs_crm_user_id_crm_users_id_fk" FOREIGN KEY ("crm_user_id") REFERENCES "public"."crm_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_syncs" ADD CONSTRAINT "contact_syncs_provider_account_id_provider_accounts_id_fk" FOREIGN KEY ("provider_account_id") REFERENCES "public"."provider_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crm_users" ADD CONSTRAINT "crm_users_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_accounts" ADD CONSTRAINT "provider_accounts_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_accounts" ADD CONSTRAINT "provider_accounts_crm_user_id_crm_users_id_fk" FOREIGN KEY ("crm_user_id") REFERENCES "public"."crm_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_sync_id_contact_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."contact_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "activity_sync_at" ON "activity" USING btree ("sync_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "contact_links_sync_crm" ON "contact_links" USING btree ("sync_id","crm_id") WHERE "contact_links"."crm_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "contact_links_sync_remote" ON "contact_links" USING btree ("sync_id","remote_id") WHERE "contact_links"."remote_id" is not null;--> statement-breakpoint
CREATE INDEX "contact_links_sync_state" ON "contact_links" USING btree ("sync_id","state");--> statement-breakpoint
CREATE INDEX "contact_syncs_installation" ON "contact_syncs" USING btree ("installation_id");--> statement-breakpoint
CREATE INDEX "contact_syncs_user" ON "contact_syncs" USING btree ("crm_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "crm_users_installation_user" ON "crm_users" USING btree ("installation_id","crm_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "installations_crm_company" ON "installations" USING btree ("crm","company_id");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_accounts_owner" ON "provider_accounts" USING btree ("crm_user_id","provider","account_id");--> statement-breakpoint
CREATE INDEX "sync_runs_sync" ON "sync_runs" USING btree ("sync_id","queued_at");