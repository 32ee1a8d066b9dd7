// Entry point: loads the sign-in settings, then renders the dashboard.
import { render } from 'preact';
import { App } from './app';
import { loadConfig } from './auth/auth';
import './styles.css';

void loadConfig().catch(() => undefined);
const root = document.getElementById('app')!;
// The boot message is static HTML, not Preact's: clear it rather than render beside it.
root.textContent = '';
render(<App />, root);
