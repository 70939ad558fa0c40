PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_events` (
	`seq` integer NOT NULL,
	`tenant_id` text NOT NULL,
	`form` text NOT NULL,
	`record_id` text NOT NULL,
	`type` text NOT NULL,
	`changed_fields` text NOT NULL,
	`data` text NOT NULL,
	`version` integer NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`erased_at` integer,
	PRIMARY KEY(`tenant_id`, `seq`)
);
--> statement-breakpoint
INSERT INTO `__new_events`("seq", "tenant_id", "form", "record_id", "type", "changed_fields", "data", "version", "source", "created_at", "erased_at") SELECT "seq", "tenant_id", "form", "record_id", "type", "changed_fields", "data", "version", "source", "created_at", "erased_at" FROM `events`;--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `__new_events` RENAME TO `events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `events_record` ON `events` (`tenant_id`,`form`,`record_id`);--> statement-breakpoint
-- Each tenant's event sequence continues from its newest event: events written before keep their seq.
INSERT INTO `sequences` (`tenant_id`, `name`, `value`) SELECT `tenant_id`, 'event', MAX(`seq`) FROM `events` GROUP BY `tenant_id`;
