/** The campaign interface shared by the Bulk Text Candidates popup and the toolbar popup. */
export { CampaignView } from './CampaignView';
export { createCampaignStore, type CampaignStore } from './store';
export * as format from './format';
