CREATE TABLE `message_media` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`idx` integer NOT NULL,
	`content_type` text NOT NULL,
	`provider_url` text,
	`bytes` blob,
	`size` integer,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `message_media_message` ON `message_media` (`message_id`,`idx`);--> statement-breakpoint
CREATE INDEX `message_media_pending` ON `message_media` (`status`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `sender_pacing` (
	`sender` text PRIMARY KEY NOT NULL,
	`next_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sending_state` (
	`provider` text PRIMARY KEY NOT NULL,
	`paused_at` integer,
	`reason` text,
	`next_probe_at` integer,
	`probe_failures` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE `campaign_deliveries` ADD `attempt` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `content_sid` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `content_variables` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `sent_from` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `check_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `lookups` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_reconcile` ON `messages` (`check_at`) WHERE check_at is not null and claim_token is null;--> statement-breakpoint
ALTER TABLE `organizations` ADD `messaging_service_sid` text;--> statement-breakpoint
-- A sender belongs to one organisation from now on: where two shared one, the older keeps it.
UPDATE `organizations` SET `sms_from` = NULL WHERE `sms_from` IS NOT NULL AND EXISTS (SELECT 1 FROM `organizations` o WHERE o.`sms_from` = `organizations`.`sms_from` AND o.`id` < `organizations`.`id`);--> statement-breakpoint
UPDATE `organizations` SET `whatsapp_from` = NULL WHERE `whatsapp_from` IS NOT NULL AND EXISTS (SELECT 1 FROM `organizations` o WHERE o.`whatsapp_from` = `organizations`.`whatsapp_from` AND o.`id` < `organizations`.`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_sms_from` ON `organizations` (`sms_from`) WHERE sms_from is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_whatsapp_from` ON `organizations` (`whatsapp_from`) WHERE whatsapp_from is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_messaging_service` ON `organizations` (`messaging_service_sid`) WHERE messaging_service_sid is not null;--> statement-breakpoint
ALTER TABLE `templates` ADD `content_sid` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `content_variables` text;--> statement-breakpoint
ALTER TABLE `templates` ADD `updated_at` integer;--> statement-breakpoint
ALTER TABLE `templates` ADD `deleted_at` integer;--> statement-breakpoint
-- Template names become unique per organisation: a later duplicate gets its id appended.
UPDATE `templates` SET `name` = `name` || ' (' || `id` || ')' WHERE EXISTS (SELECT 1 FROM `templates` t WHERE t.`org_id` = `templates`.`org_id` AND t.`name` = `templates`.`name` AND t.`id` < `templates`.`id`);--> statement-breakpoint
-- A template approved before content ids existed keeps working on SMS; on WhatsApp it needs its content id (Settings > Templates).
CREATE UNIQUE INDEX `templates_org_name` ON `templates` (`org_id`,`name`) WHERE deleted_at is null;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `message_key` text;--> statement-breakpoint
CREATE INDEX `webhook_events_message_key` ON `webhook_events` (`message_key`) WHERE message_key is not null;