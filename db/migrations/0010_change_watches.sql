CREATE TABLE "change_watches" (
	"connection_id" uuid PRIMARY KEY NOT NULL,
	"installation_id" uuid NOT NULL,
	"crm_user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"subscription_id" text,
	"client_state_enc" text,
	"resource" text,
	"expires_at" timestamp with time zone,
	"status" text DEFAULT 'active' NOT NULL,
	"last_error" text,
	"last_notification_at" timestamp with time zone,
	"next_poll_at" timestamp with time zone,
	"last_change_at" timestamp with time zone,
	"last_polled_at" timestamp with time zone,
	"polls_today" integer DEFAULT 0 NOT NULL,
	"poll_day_started_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "change_watches" ADD CONSTRAINT "change_watches_connection_id_sync_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."sync_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_watches" ADD CONSTRAINT "change_watches_installation_id_installations_id_fk" FOREIGN KEY ("installation_id") REFERENCES "public"."installations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_watches" ADD CONSTRAINT "change_watches_crm_user_id_crm_users_id_fk" FOREIGN KEY ("crm_user_id") REFERENCES "public"."crm_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "change_watches_subscription" ON "change_watches" USING btree ("subscription_id") WHERE "change_watches"."subscription_id" is not null;--> statement-breakpoint
CREATE INDEX "change_watches_poll_due" ON "change_watches" USING btree ("provider","next_poll_at");--> statement-breakpoint
CREATE INDEX "change_watches_expiry" ON "change_watches" USING btree ("provider","expires_at");