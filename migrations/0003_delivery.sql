CREATE TABLE `delivery_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`subscription_id` text NOT NULL,
	`event_seq` integer NOT NULL,
	`attempt` integer NOT NULL,
	`started_at` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`status_code` integer,
	`error` text,
	`response_excerpt` text
);
--> statement-breakpoint
CREATE INDEX `delivery_attempts_delivery` ON `delivery_attempts` (`tenant_id`,`delivery_id`);--> statement-breakpoint
CREATE INDEX `delivery_attempts_time` ON `delivery_attempts` (`tenant_id`,`started_at`);--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `signing_secret_ref` text;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `previous_signing_secret_ref` text;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `previous_signing_secret_expires_at` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `retry_policy` text;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `dead_letter_policy` text DEFAULT 'skip' NOT NULL;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `disabled_reason` text;