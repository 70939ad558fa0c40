CREATE TABLE `metric_tallies` (
	`tenant_id` text NOT NULL,
	`metric` text NOT NULL,
	`labels` text NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `metric`, `labels`)
);
