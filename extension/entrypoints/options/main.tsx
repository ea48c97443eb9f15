import { render } from 'preact';
import '../../ui/base.css';
import { SignIn } from './SignIn';

render(<SignIn />, document.getElementById('app')!);
