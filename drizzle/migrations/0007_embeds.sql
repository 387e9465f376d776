ALTER TABLE "messages" ADD COLUMN "embeds" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "link_embeds" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "embeds_suppressed" boolean DEFAULT false NOT NULL;