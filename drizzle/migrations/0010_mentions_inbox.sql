ALTER TABLE "mentions" ADD COLUMN "author_id" text;--> statement-breakpoint
CREATE INDEX "mentions_target_idx" ON "mentions" USING btree ("target_type","target_id","message_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "mentions_everyone_idx" ON "mentions" USING btree ("parent_channel_id","message_id" DESC NULLS LAST) WHERE "mentions"."target_type" = 'everyone';--> statement-breakpoint
-- Existing rows take their message's author from PostgreSQL's timeline (ScyllaDB's messages are not here).
UPDATE "mentions" SET "author_id" = "messages"."author_id" FROM "messages" WHERE "messages"."id" = "mentions"."message_id";
