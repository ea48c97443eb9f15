/**
 * Arrow-key movement in a menu's list of items (the WAI-ARIA menu pattern): Down and Up step and
 * wrap around, Home and End jump. The index of the item to focus, or -1 when the key moves nothing.
 */
export function menuKeyTarget(key: string, current: number, count: number): number {
  if (!count) return -1;
  if (key === 'ArrowDown') return (current + 1) % count;
  if (key === 'ArrowUp') return (current - 1 + count) % count;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return -1;
}
