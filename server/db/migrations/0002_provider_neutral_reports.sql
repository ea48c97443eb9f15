ALTER TABLE `messages` ADD `failure_reason` text;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `report` text;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `phone` text;--> statement-breakpoint
CREATE INDEX `webhook_events_unclaimed_reports` ON `webhook_events` (`dedupe_key`) WHERE kind = 'status' and org_id is null;