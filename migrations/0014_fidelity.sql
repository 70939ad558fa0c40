CREATE TABLE `record_attachments` (
	`tenant_id` text NOT NULL,
	`form` text NOT NULL,
	`record_id` text NOT NULL,
	`field` text NOT NULL,
	`version` integer NOT NULL,
	`object_key` text NOT NULL,
	`name` text NOT NULL,
	`content_type` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `form`, `record_id`, `field`, `version`)
);
--> statement-breakpoint
CREATE INDEX `record_attachments_created` ON `record_attachments` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `provisionings` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`record_id` text NOT NULL,
	`application_id` text NOT NULL,
	`role_list` text NOT NULL,
	`action` text NOT NULL,
	`policy_map` text NOT NULL,
	`mapped_value` text,
	`created_at` integer NOT NULL,
	`is_success` integer,
	`uid` text,
	`completed_at` integer,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `provisionings_record` ON `provisionings` (`tenant_id`,`record_id`);--> statement-breakpoint
CREATE INDEX `provisionings_completed` ON `provisionings` (`tenant_id`,`completed_at`);--> statement-breakpoint
ALTER TABLE `events` ADD `actor` text;--> statement-breakpoint
ALTER TABLE `events` ADD `previous` text;--> statement-breakpoint
ALTER TABLE `lifecycle_hooks` ADD `token_hash` text;--> statement-breakpoint
ALTER TABLE `forms` ADD `fields` text;--> statement-breakpoint
ALTER TABLE `forms` ADD `fields_updated_at` integer;