CREATE TABLE `booking_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`candidate_id` integer NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`candidate_id`) REFERENCES `candidates`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `booking_attempts_candidate` ON `booking_attempts` (`candidate_id`,`at`);--> statement-breakpoint
CREATE TABLE `event_spill` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `login_failures` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`last_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `login_failures_last_at` ON `login_failures` (`last_at`);--> statement-breakpoint
ALTER TABLE `candidate_imports` ADD `owner` text;--> statement-breakpoint
ALTER TABLE `candidate_imports` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `assistant_turn_at` integer;--> statement-breakpoint
CREATE INDEX `conversations_assistant_turn` ON `conversations` (`assistant_turn_at`) WHERE assistant_turn_at is not null;