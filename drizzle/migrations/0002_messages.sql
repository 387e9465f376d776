CREATE TABLE "channel_state" (
	"channel_id" bigint PRIMARY KEY NOT NULL,
	"parent_channel_id" bigint NOT NULL,
	"guild_id" bigint,
	"last_message_id" bigint,
	"pin_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mentions" (
	"channel_id" bigint NOT NULL,
	"message_id" bigint NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"parent_channel_id" bigint NOT NULL,
	CONSTRAINT "mentions_channel_id_target_type_target_id_message_id_pk" PRIMARY KEY("channel_id","target_type","target_id","message_id")
);
--> statement-breakpoint
CREATE TABLE "message_edits" (
	"id" bigint PRIMARY KEY NOT NULL,
	"message_id" bigint NOT NULL,
	"channel_id" bigint NOT NULL,
	"parent_channel_id" bigint NOT NULL,
	"content" text NOT NULL,
	"written_at" timestamp with time zone NOT NULL,
	"replaced_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_nonces" (
	"author_id" text NOT NULL,
	"nonce" text NOT NULL,
	"channel_id" bigint NOT NULL,
	"message_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_nonces_author_id_nonce_pk" PRIMARY KEY("author_id","nonce")
);
--> statement-breakpoint
CREATE TABLE "pins" (
	"channel_id" bigint NOT NULL,
	"message_id" bigint NOT NULL,
	"parent_channel_id" bigint NOT NULL,
	"pinned_by" text,
	"pinned_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pins_channel_id_message_id_pk" PRIMARY KEY("channel_id","message_id")
);
--> statement-breakpoint
CREATE TABLE "reactions" (
	"message_id" bigint NOT NULL,
	"emoji_key" text NOT NULL,
	"user_id" text NOT NULL,
	"channel_id" bigint NOT NULL,
	"parent_channel_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reactions_message_id_emoji_key_user_id_pk" PRIMARY KEY("message_id","emoji_key","user_id")
);
--> statement-breakpoint
CREATE TABLE "read_states" (
	"user_id" text NOT NULL,
	"channel_id" bigint NOT NULL,
	"parent_channel_id" bigint NOT NULL,
	"last_read_id" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "read_states_user_id_channel_id_pk" PRIMARY KEY("user_id","channel_id")
);
--> statement-breakpoint
CREATE TABLE "thread_members" (
	"thread_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "thread_members_thread_id_user_id_pk" PRIMARY KEY("thread_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "threads" (
	"id" bigint PRIMARY KEY NOT NULL,
	"parent_id" bigint NOT NULL,
	"guild_id" bigint NOT NULL,
	"owner_id" text,
	"name" text NOT NULL,
	"starter_message_id" bigint,
	"auto_archive_minutes" integer DEFAULT 1440 NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"locked" boolean DEFAULT false NOT NULL,
	"archived_at" timestamp with time zone,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "timeline_pending" (
	"event_id" text PRIMARY KEY NOT NULL,
	"mutation" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_channel_id_channels_id_fk";
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "parent_channel_id" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "guild_id" bigint;--> statement-breakpoint
-- Messages written before threads existed live in channels: their parent is their channel.
UPDATE "messages" m SET "parent_channel_id" = m."channel_id", "guild_id" = c."guild_id" FROM "channels" c WHERE c."id" = m."channel_id";--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "parent_channel_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reply_to_id" bigint;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "mentions" jsonb DEFAULT '{"users":[],"roles":[],"everyone":false,"here":false}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "attachments" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "edited_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "channel_state" ADD CONSTRAINT "channel_state_parent_channel_id_channels_id_fk" FOREIGN KEY ("parent_channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_state" ADD CONSTRAINT "channel_state_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentions" ADD CONSTRAINT "mentions_parent_channel_id_channels_id_fk" FOREIGN KEY ("parent_channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_edits" ADD CONSTRAINT "message_edits_parent_channel_id_channels_id_fk" FOREIGN KEY ("parent_channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_nonces" ADD CONSTRAINT "message_nonces_author_id_user_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pins" ADD CONSTRAINT "pins_parent_channel_id_channels_id_fk" FOREIGN KEY ("parent_channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pins" ADD CONSTRAINT "pins_pinned_by_user_id_fk" FOREIGN KEY ("pinned_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reactions" ADD CONSTRAINT "reactions_parent_channel_id_channels_id_fk" FOREIGN KEY ("parent_channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "read_states" ADD CONSTRAINT "read_states_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "read_states" ADD CONSTRAINT "read_states_parent_channel_id_channels_id_fk" FOREIGN KEY ("parent_channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_members" ADD CONSTRAINT "thread_members_thread_id_threads_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."threads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_members" ADD CONSTRAINT "thread_members_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "threads" ADD CONSTRAINT "threads_parent_id_channels_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "threads" ADD CONSTRAINT "threads_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "threads" ADD CONSTRAINT "threads_owner_id_user_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mentions_message_id_idx" ON "mentions" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "message_edits_message_id_idx" ON "message_edits" USING btree ("message_id","id");--> statement-breakpoint
CREATE INDEX "message_nonces_created_at_idx" ON "message_nonces" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "read_states_channel_id_idx" ON "read_states" USING btree ("channel_id","last_read_id");--> statement-breakpoint
CREATE INDEX "thread_members_user_id_idx" ON "thread_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "threads_parent_id_idx" ON "threads" USING btree ("parent_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "threads_starter_message_id_idx" ON "threads" USING btree ("starter_message_id") WHERE starter_message_id is not null;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_parent_channel_id_channels_id_fk" FOREIGN KEY ("parent_channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "messages_parent_channel_id_idx" ON "messages" USING btree ("parent_channel_id");--> statement-breakpoint
CREATE INDEX "messages_author_id_idx" ON "messages" USING btree ("author_id","id");