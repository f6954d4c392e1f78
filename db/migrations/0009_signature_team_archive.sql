DROP INDEX "signature_documents_archive_request";--> statement-breakpoint
ALTER TABLE "signature_archives" ADD COLUMN "scope" text DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE "signature_archives" ADD COLUMN "team_key" text;--> statement-breakpoint
ALTER TABLE "signature_archives" ADD COLUMN "team_folders" jsonb;--> statement-breakpoint
ALTER TABLE "signature_documents" ADD COLUMN "member_key" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "signature_documents" ADD COLUMN "team_name" text;--> statement-breakpoint
CREATE UNIQUE INDEX "signature_documents_archive_request_member" ON "signature_documents" USING btree ("archive_id","signature_request_id","member_key");