ALTER TABLE `events` ADD `erased_at` integer;--> statement-breakpoint
CREATE INDEX `events_record` ON `events` (`tenant_id`,`form`,`record_id`);