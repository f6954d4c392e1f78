CREATE TABLE "contact_sweep_pages" (
	"sync_id" uuid NOT NULL,
	"sweep_id" uuid NOT NULL,
	"side" text NOT NULL,
	"page_key" text NOT NULL,
	"ids" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contact_sweep_pages_sync_id_sweep_id_side_page_key_pk" PRIMARY KEY("sync_id","sweep_id","side","page_key")
);
--> statement-breakpoint
ALTER TABLE "contact_sweep_pages" ADD CONSTRAINT "contact_sweep_pages_sync_id_contact_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."contact_syncs"("id") ON DELETE cascade ON UPDATE no action;