ALTER TABLE `tenants` ADD `shard` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `tenants_shard` ON `tenants` (`shard`);