CREATE TABLE "dropbox_link_states" (
	"id" uuid PRIMARY KEY NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_user_id" uuid NOT NULL,
	"code_verifier_enc" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "file_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_module" text NOT NULL,
	"record_id" text NOT NULL,
	"link_id" text NOT NULL,
	"crm_file_id" text NOT NULL,
	"crm_name" text NOT NULL,
	"crm_folder" text,
	"crm_size" bigint NOT NULL,
	"content_hash" text,
	"relative_path" text NOT NULL,
	"accounts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "file_syncs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_user_id" uuid NOT NULL,
	"provider_account_id" uuid NOT NULL,
	"dropbox_account_id" text NOT NULL,
	"app_folder_cursor" text,
	"modules" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "record_file_leases" (
	"installation_id" uuid NOT NULL,
	"crm_module" text NOT NULL,
	"record_id" text NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "record_folders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"connection_id" uuid NOT NULL,
	"crm_module" text NOT NULL,
	"record_id" text NOT NULL,
	"record_name" text NOT NULL,
	"folder_id" text,
	"path_lower" text,
	"path_display" text,
	"derived_name" text,
	"cursor" text,
	"last_synced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dropbox_link_states" ADD CONSTRAINT "dropbox_link_states_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dropbox_link_states" ADD CONSTRAINT "dropbox_link_states_crm_user_id_crm_users_id_fk" FOREIGN KEY ("crm_user_id") REFERENCES "public"."crm_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_links" ADD CONSTRAINT "file_links_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_syncs" ADD CONSTRAINT "file_syncs_id_sync_connections_id_fk" FOREIGN KEY ("id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_syncs" ADD CONSTRAINT "file_syncs_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_syncs" ADD CONSTRAINT "file_syncs_crm_user_id_crm_users_id_fk" FOREIGN KEY ("crm_user_id") REFERENCES "public"."crm_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "file_syncs" ADD CONSTRAINT "file_syncs_provider_account_id_provider_accounts_id_fk" FOREIGN KEY ("provider_account_id") REFERENCES "public"."provider_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_file_leases" ADD CONSTRAINT "record_file_leases_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_folders" ADD CONSTRAINT "record_folders_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_folders" ADD CONSTRAINT "record_folders_connection_id_file_syncs_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."file_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "file_links_link" ON "file_links" USING btree ("installation_id","crm_module","record_id","link_id");--> statement-breakpoint
CREATE INDEX "file_syncs_installation" ON "file_syncs" USING btree ("installation_id");--> statement-breakpoint
CREATE INDEX "file_syncs_user" ON "file_syncs" USING btree ("crm_user_id");--> statement-breakpoint
CREATE INDEX "file_syncs_dropbox_account" ON "file_syncs" USING btree ("dropbox_account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "record_file_leases_record" ON "record_file_leases" USING btree ("installation_id","crm_module","record_id");--> statement-breakpoint
CREATE UNIQUE INDEX "record_folders_record" ON "record_folders" USING btree ("connection_id","crm_module","record_id");--> statement-breakpoint
CREATE INDEX "record_folders_installation_record" ON "record_folders" USING btree ("installation_id","crm_module","record_id");