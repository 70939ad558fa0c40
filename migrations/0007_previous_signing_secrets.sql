ALTER TABLE `subscriptions` ADD `previous_signing_secrets` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Rows rotated before this migration kept one previous secret in two columns: it joins the list, with its promised expiry.
UPDATE `subscriptions` SET `previous_signing_secrets` = json_array(json_object('ref', `previous_signing_secret_ref`, 'expiresAt', `previous_signing_secret_expires_at`)) WHERE `previous_signing_secret_ref` IS NOT NULL AND `previous_signing_secret_expires_at` IS NOT NULL;
