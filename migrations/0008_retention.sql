ALTER TABLE `tenants` ADD `retention_days` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `pruned_at` integer;--> statement-breakpoint
CREATE INDEX `tenants_pruned_at` ON `tenants` (`pruned_at`);--> statement-breakpoint
CREATE INDEX `idempotency_keys_tenant_time` ON `idempotency_keys` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `inbound_event_ids_tenant_time` ON `inbound_event_ids` (`tenant_id`,`created_at`);