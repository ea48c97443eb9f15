/**
 * A campaign is meant for a shortlist: above this many candidates the server warns as they are
 * added and at review, and the campaign's overview suggests splitting it. (The hard cap is the
 * server's CAMPAIGN_MAX_RECIPIENTS setting.)
 */
export const RECOMMENDED_MAX_RECIPIENTS = 500;
