CREATE TABLE `revoked_tokens` (
	`jti` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`description` text,
	`form_name` text NOT NULL,
	`condition` text DEFAULT '' NOT NULL,
	`entry_events` text NOT NULL,
	`entry_events_key` text NOT NULL,
	`payload_fields` text NOT NULL,
	`enabled` integer NOT NULL,
	`send_unchanged_fields` integer NOT NULL,
	`send_attachment_as_reference` integer NOT NULL,
	`custom_json` text,
	`callback_url` text NOT NULL,
	`auth_type` text NOT NULL,
	`auth_settings` text NOT NULL,
	`secret_ref` text,
	`format` text DEFAULT 'ar' NOT NULL,
	`ordering` text DEFAULT 'subscription' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_tenant_id` ON `subscriptions` (`tenant_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_unique_registration` ON `subscriptions` (`tenant_id`,`form_name`,`entry_events_key`,`callback_url`);--> statement-breakpoint
CREATE INDEX `subscriptions_tenant_form` ON `subscriptions` (`tenant_id`,`form_name`);