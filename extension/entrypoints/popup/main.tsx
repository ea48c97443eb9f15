import { render } from 'preact';
import '../../ui/theme.css';
import '../../ui/campaign/campaign.css';
import './popup.css';
import { Popup } from './Popup';

render(<Popup />, document.getElementById('app')!);
