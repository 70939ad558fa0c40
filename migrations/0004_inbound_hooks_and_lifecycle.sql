CREATE TABLE `inbound_event_ids` (
	`tenant_id` text NOT NULL,
	`hook_id` text NOT NULL,
	`event_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `hook_id`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `inbound_hooks` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`preset` text NOT NULL,
	`auth_kind` text NOT NULL,
	`auth_settings` text NOT NULL,
	`secret_ref` text NOT NULL,
	`event` text NOT NULL,
	`form` text DEFAULT 'User' NOT NULL,
	`template` text NOT NULL,
	`sync_keys` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_hooks_tenant_name` ON `inbound_hooks` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `lifecycle_hooks` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`base_url` text NOT NULL,
	`token_ref` text NOT NULL,
	`enabled` text NOT NULL,
	`timeout_ms` integer NOT NULL,
	`on_timeout` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
