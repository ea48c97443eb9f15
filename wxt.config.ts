import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

// The browser extension: sources in extension/, built into .output/chrome-mv3 (npm run build).
export default defineConfig({
  srcDir: 'extension',
  outDir: '.output',
  webExt: { disabled: true },
  vite: () => ({
    plugins: [preact()],
  }),
});
