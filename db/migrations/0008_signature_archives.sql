CREATE TABLE "signature_archives" (
	"id" uuid PRIMARY KEY NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_user_id" uuid NOT NULL,
	"sign_account_id" uuid NOT NULL,
	"dropbox_account_id" uuid NOT NULL,
	"activated_at" timestamp with time zone,
	"folders" jsonb,
	"root_folder" jsonb,
	"listed_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signature_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"installation_id" uuid NOT NULL,
	"archive_id" uuid NOT NULL,
	"signature_request_id" text NOT NULL,
	"title" text DEFAULT '' NOT NULL,
	"state" text DEFAULT 'waiting' NOT NULL,
	"folder" text,
	"original_file_id" text,
	"original_rev" text,
	"original_folder" text,
	"signed_file_id" text,
	"signed_rev" text,
	"signed_folder" text,
	"is_complete" boolean DEFAULT false NOT NULL,
	"crm_module" text,
	"crm_record_id" text,
	"attach_state" text,
	"crm_file_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"retry_after" timestamp with time zone,
	"last_error_code" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "signature_archives" ADD CONSTRAINT "signature_archives_id_sync_connections_id_fk" FOREIGN KEY ("id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signature_archives" ADD CONSTRAINT "signature_archives_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signature_archives" ADD CONSTRAINT "signature_archives_crm_user_id_crm_users_id_fk" FOREIGN KEY ("crm_user_id") REFERENCES "public"."crm_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signature_archives" ADD CONSTRAINT "signature_archives_sign_account_id_provider_accounts_id_fk" FOREIGN KEY ("sign_account_id") REFERENCES "public"."provider_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signature_archives" ADD CONSTRAINT "signature_archives_dropbox_account_id_provider_accounts_id_fk" FOREIGN KEY ("dropbox_account_id") REFERENCES "public"."provider_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signature_documents" ADD CONSTRAINT "signature_documents_archive_id_signature_archives_id_fk" FOREIGN KEY ("archive_id") REFERENCES "public"."signature_archives"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "signature_archives_user" ON "signature_archives" USING btree ("crm_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "signature_documents_archive_request" ON "signature_documents" USING btree ("archive_id","signature_request_id");--> statement-breakpoint
CREATE INDEX "signature_documents_record" ON "signature_documents" USING btree ("installation_id","crm_record_id");