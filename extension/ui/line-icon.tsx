/**
 * A small line icon on the 24-unit grid, drawn in the current text colour. Decorative only: the
 * button or text beside it says what it means, so screen readers skip it.
 */
import type { ComponentChildren } from 'preact';

export function LineIcon({ class: className, size, children }: { class: string; size: number; children: ComponentChildren }) {
  return (
    <svg
      class={className}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}
