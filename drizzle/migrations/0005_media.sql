CREATE TABLE "profile_images" (
	"subject_id" text NOT NULL,
	"slot" text NOT NULL,
	"upload_id" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "profile_images_subject_id_slot_pk" PRIMARY KEY("subject_id","slot")
);
--> statement-breakpoint
CREATE TABLE "uploads" (
	"id" bigint PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"kind" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"channel_id" bigint,
	"parent_channel_id" bigint,
	"guild_id" bigint,
	"filename" text NOT NULL,
	"declared_type" text NOT NULL,
	"size" bigint NOT NULL,
	"content_type" text,
	"disposition" text,
	"width" integer,
	"height" integer,
	"duration_seconds" real,
	"animated" boolean DEFAULT false NOT NULL,
	"blurhash" text,
	"previews" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"cleaned" boolean DEFAULT false NOT NULL,
	"error" text,
	"target_id" bigint,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "uploads_state_expires_idx" ON "uploads" USING btree ("state","expires_at");--> statement-breakpoint
CREATE INDEX "uploads_target_idx" ON "uploads" USING btree ("target_id");--> statement-breakpoint
CREATE INDEX "uploads_owner_kind_idx" ON "uploads" USING btree ("owner_id","kind","used_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "uploads_channel_idx" ON "uploads" USING btree ("parent_channel_id");--> statement-breakpoint
CREATE INDEX "uploads_guild_idx" ON "uploads" USING btree ("guild_id");