CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`recruiter_id` integer NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recruiter_id`) REFERENCES `recruiters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `bookings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`recruiter_id` integer NOT NULL,
	`candidate_id` integer NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`recruiter_id`) REFERENCES `recruiters`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`candidate_id`) REFERENCES `candidates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bookings_slot` ON `bookings` (`recruiter_id`,`starts_at`);--> statement-breakpoint
CREATE TABLE `campaign_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`campaign_message_id` integer NOT NULL,
	`candidate_id` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`skip_reason` text,
	`due_at` integer NOT NULL,
	`message_id` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`campaign_message_id`) REFERENCES `campaign_messages`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`candidate_id`) REFERENCES `candidates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_deliveries_unique` ON `campaign_deliveries` (`campaign_message_id`,`candidate_id`);--> statement-breakpoint
CREATE INDEX `campaign_deliveries_due` ON `campaign_deliveries` (`status`,`due_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `campaign_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`campaign_id` integer NOT NULL,
	`created_by` integer NOT NULL,
	`body` text NOT NULL,
	`template_id` integer,
	`send_at` integer,
	`status` text DEFAULT 'draft' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`scheduled_at` integer,
	`started_at` integer,
	`completed_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `recruiters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaign_messages_campaign` ON `campaign_messages` (`campaign_id`);--> statement-breakpoint
CREATE INDEX `campaign_messages_due` ON `campaign_messages` (`status`,`send_at`);--> statement-breakpoint
CREATE TABLE `campaign_recipients` (
	`campaign_id` integer NOT NULL,
	`candidate_id` integer NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `candidate_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`candidate_id`) REFERENCES `candidates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`created_by` integer NOT NULL,
	`name` text NOT NULL,
	`job_title` text,
	`description` text,
	`assistant_enabled` integer DEFAULT false NOT NULL,
	`assistant_sequence_id` integer,
	`status` text DEFAULT 'draft' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `recruiters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaigns_org_status` ON `campaigns` (`org_id`,`status`);--> statement-breakpoint
CREATE TABLE `candidate_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`candidate_id` integer NOT NULL,
	`sequence_id` integer,
	`campaign_id` integer,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`value` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`candidate_id`) REFERENCES `candidates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `candidate_answers_key` ON `candidate_answers` (`candidate_id`,`key`);--> statement-breakpoint
CREATE TABLE `candidates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`ats_id` text NOT NULL,
	`first_name` text NOT NULL,
	`last_name` text NOT NULL,
	`email` text,
	`phone` text,
	`consent_at` integer,
	`consent_source` text,
	`opted_out_at` integer,
	`opt_out_method` text,
	`channel` text DEFAULT 'sms' NOT NULL,
	`time_zone` text,
	`job_title` text,
	`last_inbound_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `candidates_org_ats` ON `candidates` (`org_id`,`ats_id`);--> statement-breakpoint
CREATE INDEX `candidates_org_phone` ON `candidates` (`org_id`,`phone`);--> statement-breakpoint
CREATE INDEX `candidates_org_name` ON `candidates` (`org_id`,`last_name`,`first_name`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`candidate_id` integer NOT NULL,
	`assistant_active` integer DEFAULT false NOT NULL,
	`assistant_sequence_id` integer,
	`assistant_state` text,
	`assistant_handback` text,
	`assistant_wake_at` integer,
	`unread_count` integer DEFAULT 0 NOT NULL,
	`last_message_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`candidate_id`) REFERENCES `candidates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_candidate` ON `conversations` (`candidate_id`);--> statement-breakpoint
CREATE INDEX `conversations_org` ON `conversations` (`org_id`);--> statement-breakpoint
CREATE INDEX `conversations_assistant_wake` ON `conversations` (`assistant_wake_at`) WHERE assistant_wake_at is not null;--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`candidate_id` integer NOT NULL,
	`direction` text NOT NULL,
	`channel` text NOT NULL,
	`body` text NOT NULL,
	`encoding` text NOT NULL,
	`segments` integer NOT NULL,
	`status` text NOT NULL,
	`sender` text NOT NULL,
	`recruiter_id` integer,
	`template_id` integer,
	`campaign_id` integer,
	`campaign_message_id` integer,
	`from_address` text,
	`to_address` text,
	`provider_sid` text,
	`error_code` text,
	`error_message` text,
	`idempotency_key` text,
	`priority` integer DEFAULT 0 NOT NULL,
	`due_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`claim_token` text,
	`lease_until` integer,
	`handed_off_at` integer,
	`valid_until` integer,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`delivered_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`candidate_id`) REFERENCES `candidates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `messages_candidate` ON `messages` (`candidate_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_org_idempotency` ON `messages` (`org_id`,`idempotency_key`) WHERE idempotency_key is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_provider_sid` ON `messages` (`provider_sid`) WHERE provider_sid is not null;--> statement-breakpoint
CREATE INDEX `messages_outbox` ON `messages` (`from_address`,`priority`,`due_at`) WHERE status = 'queued';--> statement-breakpoint
CREATE INDEX `messages_claims` ON `messages` (`lease_until`) WHERE status = 'sending' and claim_token is not null;--> statement-breakpoint
CREATE INDEX `messages_campaign` ON `messages` (`campaign_message_id`) WHERE campaign_message_id is not null;--> statement-breakpoint
CREATE TABLE `organizations` (
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
	`send_rate_per_second` integer,
	`primary_sequence_id` integer,
	`booking_secret` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_slug` ON `organizations` (`slug`);--> statement-breakpoint
CREATE TABLE `recruiters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`licensed` integer DEFAULT false NOT NULL,
	`is_admin` integer DEFAULT false NOT NULL,
	`booking_slug` text NOT NULL,
	`time_zone` text DEFAULT 'America/New_York' NOT NULL,
	`working_hours` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recruiters_email` ON `recruiters` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `recruiters_booking_slug` ON `recruiters` (`booking_slug`);--> statement-breakpoint
CREATE TABLE `sequences` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sequences_org` ON `sequences` (`org_id`);--> statement-breakpoint
CREATE TABLE `simulator_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sid` text NOT NULL,
	`idempotency_key` text,
	`direction` text NOT NULL,
	`phone` text NOT NULL,
	`our_address` text NOT NULL,
	`channel` text NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`error_code` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `simulator_messages_sid` ON `simulator_messages` (`sid`);--> statement-breakpoint
CREATE UNIQUE INDEX `simulator_messages_idempotency` ON `simulator_messages` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `simulator_messages_phone` ON `simulator_messages` (`phone`,`id`);--> statement-breakpoint
CREATE TABLE `templates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org_id` integer NOT NULL,
	`name` text NOT NULL,
	`body` text NOT NULL,
	`whatsapp_approved` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `templates_org` ON `templates` (`org_id`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`org_id` integer,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_dedupe` ON `webhook_events` (`provider`,`kind`,`dedupe_key`);