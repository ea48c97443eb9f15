/**
 * What wxt's build (vite) replaces `import.meta.env` with: `DEV` is true in a development build
 * (`wxt`, `wxt dev`), false in `wxt build` (what is loaded unpacked, packaged and tested).
 */
interface ImportMetaEnv {
  readonly DEV: boolean;
  readonly MODE: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
