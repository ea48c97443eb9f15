// Vite's `?inline` CSS imports: the stylesheet as a string (for a shadow root: the Text Engagement panel, the Bulk Text popup).
declare module '*.css?inline' {
  const css: string;
  export default css;
}
