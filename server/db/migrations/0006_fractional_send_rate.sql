PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_organizations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`sms_enabled` integer DEFAULT true NOT NULL,
	`whatsapp_enabled` integer DEFAULT false NOT NULL,
	`assistant_subscribed` integer DEFAULT false NOT NULL,
	`texting_start_minute` integer DEFAULT 480 NOT NULL,
	`texting_end_minute` integer DEFAULT 1260 NOT NULL,
	`default_time_zone` text DEFAULT 'America/New_York' NOT NULL,
	`sms_from` text,
	`whatsapp_from` text,
	`messaging_service_sid` text,
	`send_rate_per_second` real,
	`primary_sequence_id` integer,
	`booking_secret` text NOT NULL,
	`privacy_secret` text DEFAULT '' NOT NULL,
	`default_country` text DEFAULT 'US' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_organizations`("id", "slug", "name", "sms_enabled", "whatsapp_enabled", "assistant_subscribed", "texting_start_minute", "texting_end_minute", "default_time_zone", "sms_from", "whatsapp_from", "messaging_service_sid", "send_rate_per_second", "primary_sequence_id", "booking_secret", "privacy_secret", "default_country", "created_at") SELECT "id", "slug", "name", "sms_enabled", "whatsapp_enabled", "assistant_subscribed", "texting_start_minute", "texting_end_minute", "default_time_zone", "sms_from", "whatsapp_from", "messaging_service_sid", "send_rate_per_second", "primary_sequence_id", "booking_secret", "privacy_secret", "default_country", "created_at" FROM `organizations`;--> statement-breakpoint
DROP TABLE `organizations`;--> statement-breakpoint
ALTER TABLE `__new_organizations` RENAME TO `organizations`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_slug` ON `organizations` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_sms_from` ON `organizations` (`sms_from`) WHERE sms_from is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_whatsapp_from` ON `organizations` (`whatsapp_from`) WHERE whatsapp_from is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_messaging_service` ON `organizations` (`messaging_service_sid`) WHERE messaging_service_sid is not null;