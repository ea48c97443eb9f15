/** The Bulk Text Candidates popup's entry: its stylesheet and how to render it (see ../api.ts). */
import { h, render } from 'preact';
import campaignCss from '../../../ui/campaign/campaign.css?inline';
import themeCss from '../../../ui/theme.css?inline';
import type { BulkTextDialogApi } from '../api';
import { BulkTextDialog } from './BulkTextDialog';
import dialogCss from './dialog.css?inline';

export const bulkTextDialogApi: BulkTextDialogApi = {
  css: [themeCss, campaignCss, dialogCss].join('\n'),
  mount(container, props) {
    render(h(BulkTextDialog, props), container);
    return () => render(null, container);
  },
};
