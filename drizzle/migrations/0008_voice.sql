CREATE TABLE "voice_moderation" (
	"guild_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"mute" boolean DEFAULT false NOT NULL,
	"deaf" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "voice_moderation_guild_id_user_id_pk" PRIMARY KEY("guild_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "voice_states" (
	"user_id" text PRIMARY KEY NOT NULL,
	"guild_id" bigint,
	"channel_id" bigint NOT NULL,
	"node_id" text NOT NULL,
	"session_id" text NOT NULL,
	"self_mute" boolean DEFAULT false NOT NULL,
	"self_deaf" boolean DEFAULT false NOT NULL,
	"self_video" boolean DEFAULT false NOT NULL,
	"self_stream" boolean DEFAULT false NOT NULL,
	"connected_at" timestamp with time zone,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "user_limit" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "guilds" ADD COLUMN "voice_region" text;--> statement-breakpoint
ALTER TABLE "voice_moderation" ADD CONSTRAINT "voice_moderation_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voice_moderation" ADD CONSTRAINT "voice_moderation_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voice_states" ADD CONSTRAINT "voice_states_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voice_states" ADD CONSTRAINT "voice_states_guild_id_guilds_id_fk" FOREIGN KEY ("guild_id") REFERENCES "public"."guilds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voice_states" ADD CONSTRAINT "voice_states_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "voice_states_channel_idx" ON "voice_states" USING btree ("channel_id");--> statement-breakpoint
CREATE INDEX "voice_states_node_idx" ON "voice_states" USING btree ("node_id");