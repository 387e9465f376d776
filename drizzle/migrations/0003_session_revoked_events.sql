-- Every end of a session announces itself (decision 0027): whatever deletes session rows (signOut,
-- better-auth's sign-out and password reset, expired-session cleanup, a deleted account's cascade),
-- SessionRevoked is recorded in the outbox in the same transaction, one event per session, on
-- user.<userId> (packages/events: subjects.user), so the relay publishes it only after the commit.
CREATE FUNCTION "session_revoked_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "outbox_events" ("id", "subject", "type", "data")
  SELECT gen_random_uuid()::text, 'user.' || "ended"."user_id", 'SessionRevoked',
         jsonb_build_object('userId', "ended"."user_id", 'sessionId', "ended"."id")
  FROM "ended"
  ORDER BY "ended"."user_id", "ended"."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "session_revoked_events" AFTER DELETE ON "session"
  REFERENCING OLD TABLE AS "ended" FOR EACH STATEMENT EXECUTE FUNCTION "session_revoked_events"();
