CREATE TABLE `operational_webhooks` (
	`owner` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`events` text,
	`signing_secret_ref` text NOT NULL,
	`previous_signing_secrets` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `operational_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `operational_events_tenant_time` ON `operational_events` (`tenant_id`,`occurred_at`);
