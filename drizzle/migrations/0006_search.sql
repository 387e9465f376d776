CREATE TABLE "message_search" (
	"message_id" bigint PRIMARY KEY NOT NULL,
	"guild_id" bigint,
	"channel_id" bigint NOT NULL,
	"parent_channel_id" bigint NOT NULL,
	"author_id" text NOT NULL,
	"content" text NOT NULL,
	"document" "tsvector" NOT NULL,
	"mention_user_ids" text[] DEFAULT '{}' NOT NULL,
	"mention_role_ids" text[] DEFAULT '{}' NOT NULL,
	"mentions_everyone" boolean DEFAULT false NOT NULL,
	"has_flags" smallint DEFAULT 0 NOT NULL,
	"pinned" boolean DEFAULT false NOT NULL,
	"version" bigint NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"indexed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_reindex_runs" (
	"scope" text PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"position" jsonb NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "message_search_document" ON "message_search" USING gin ("document");--> statement-breakpoint
CREATE INDEX "message_search_has_link" ON "message_search" USING btree ("message_id") WHERE (has_flags & 1) = 1;--> statement-breakpoint
CREATE INDEX "message_search_author_has_link" ON "message_search" USING btree ("author_id","message_id") WHERE (has_flags & 1) = 1;--> statement-breakpoint
CREATE INDEX "message_search_has_file" ON "message_search" USING btree ("message_id") WHERE (has_flags & 2) = 2;--> statement-breakpoint
CREATE INDEX "message_search_author_has_file" ON "message_search" USING btree ("author_id","message_id") WHERE (has_flags & 2) = 2;--> statement-breakpoint
CREATE INDEX "message_search_has_image" ON "message_search" USING btree ("message_id") WHERE (has_flags & 4) = 4;--> statement-breakpoint
CREATE INDEX "message_search_author_has_image" ON "message_search" USING btree ("author_id","message_id") WHERE (has_flags & 4) = 4;--> statement-breakpoint
CREATE INDEX "message_search_has_video" ON "message_search" USING btree ("message_id") WHERE (has_flags & 8) = 8;--> statement-breakpoint
CREATE INDEX "message_search_author_has_video" ON "message_search" USING btree ("author_id","message_id") WHERE (has_flags & 8) = 8;--> statement-breakpoint
CREATE INDEX "message_search_has_embed" ON "message_search" USING btree ("message_id") WHERE (has_flags & 16) = 16;--> statement-breakpoint
CREATE INDEX "message_search_author_has_embed" ON "message_search" USING btree ("author_id","message_id") WHERE (has_flags & 16) = 16;--> statement-breakpoint
CREATE INDEX "message_search_guild_newest" ON "message_search" USING btree ("guild_id","message_id");--> statement-breakpoint
CREATE INDEX "message_search_channel_newest" ON "message_search" USING btree ("parent_channel_id","message_id");--> statement-breakpoint
CREATE INDEX "message_search_author" ON "message_search" USING btree ("author_id","message_id");