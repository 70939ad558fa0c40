CREATE TABLE `forms` (
	`tenant_id` text NOT NULL,
	`name_key` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `name_key`)
);
--> statement-breakpoint
-- Forms written before this migration: the earliest spelling of each name wins, as it would have going forward.
INSERT OR IGNORE INTO `forms` (`tenant_id`, `name_key`, `name`, `created_at`)
SELECT `tenant_id`, lower(`form`), `form`, MIN(`created_at`) FROM `records` GROUP BY `tenant_id`, `form` ORDER BY MIN(`created_at`);
