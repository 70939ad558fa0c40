CREATE TABLE `commit_guard` (
	`changed` integer NOT NULL,
	CONSTRAINT "stale_record_version" CHECK("commit_guard"."changed" = 1)
);
