CREATE TABLE `api_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_by` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `recruiters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_org` ON `api_keys` (`org_id`);--> statement-breakpoint
CREATE TABLE `candidate_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` integer NOT NULL,
	`status` text NOT NULL,
	`format` text NOT NULL,
	`total` integer NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`unchanged` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`errors` text NOT NULL,
	`message` text,
	`started_by_type` text NOT NULL,
	`started_by_name` text NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `candidate_imports_org` ON `candidate_imports` (`org_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `consent_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`candidate_id` integer NOT NULL,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`at` integer NOT NULL,
	`set_by_type` text NOT NULL,
	`set_by_name` text NOT NULL,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`candidate_id`) REFERENCES `candidates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `consent_records_candidate` ON `consent_records` (`candidate_id`,`at`);--> statement-breakpoint
CREATE TABLE `phone_opt_outs` (
	`org_id` integer NOT NULL,
	`phone_hash` text NOT NULL,
	`method` text NOT NULL,
	`opted_out_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `phone_hash`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `candidates` ADD `consent_status` text;--> statement-breakpoint
ALTER TABLE `candidates` ADD `consent_changed_at` integer;--> statement-breakpoint
ALTER TABLE `candidates` ADD `location` text;--> statement-breakpoint
ALTER TABLE `organizations` ADD `privacy_secret` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `organizations` ADD `default_country` text DEFAULT 'US' NOT NULL;--> statement-breakpoint
-- Hand-written backfill (drizzle-kit writes schema changes only): every organisation gets its own
-- privacy secret, and the consent candidates already had becomes their current status and the
-- first record of their history.
UPDATE `organizations` SET `privacy_secret` = lower(hex(randomblob(32))) WHERE `privacy_secret` = '';--> statement-breakpoint
UPDATE `candidates` SET `consent_status` = 'granted', `consent_changed_at` = `consent_at` WHERE `consent_at` IS NOT NULL;--> statement-breakpoint
INSERT INTO `consent_records` (`org_id`, `candidate_id`, `status`, `source`, `at`, `set_by_type`, `set_by_name`, `recorded_at`)
  SELECT `org_id`, `id`, 'granted', coalesce(`consent_source`, 'unknown'), `consent_at`, 'system', 'Recorded before consent history', `consent_at`
  FROM `candidates` WHERE `consent_at` IS NOT NULL;
