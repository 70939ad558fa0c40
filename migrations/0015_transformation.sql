ALTER TABLE `subscriptions` ADD `transformation` text;
