-- Custom SQL migration file, put your code below! --
-- The candidate's number each payload logged so far carries, for erasure (webhook_events.phone).
-- Every payload logged before this column had Twilio's fields (the simulator imitates Twilio): an
-- incoming text's number is From, a status report's is To; an erased payload has neither.
UPDATE `webhook_events`
SET `phone` = nullif(replace(coalesce(CASE `kind` WHEN 'inbound' THEN json_extract(`payload`, '$.From') ELSE json_extract(`payload`, '$.To') END, ''), 'whatsapp:', ''), '')
WHERE `phone` IS NULL;
