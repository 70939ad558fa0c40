ALTER TABLE `subscriptions` ADD `rate_limit_per_second` integer;--> statement-breakpoint
ALTER TABLE `subscriptions` ADD `disable_after_failing_hours` integer;--> statement-breakpoint
ALTER TABLE `lifecycle_hooks` ADD `rate_limit_per_second` integer;
