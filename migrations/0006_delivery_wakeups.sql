ALTER TABLE `delivery_cursors` ADD `next_due_at` integer;--> statement-breakpoint
CREATE INDEX `delivery_cursors_next_due` ON `delivery_cursors` (`next_due_at`);