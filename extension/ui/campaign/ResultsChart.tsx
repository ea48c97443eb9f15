/** A sent campaign's results as a small horizontal bar chart (inline SVG, no chart library). */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { CampaignStats } from '../../../shared/api';
import { skippedTotal } from './Progress';

const ROW = 28;
const LABEL_W = 82;
const VALUE_W = 44;
/** Drawn at the width it is shown at (1:1), so its text stays the size of the text around it. */
function useWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(220, Math.min(640, Math.round(el.clientWidth))));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

export function ResultsChart({ stats }: { stats: CampaignStats }) {
  const [ref, width] = useWidth<HTMLElement>(420);
  const BAR_W = width - LABEL_W - VALUE_W;
  const rows: { label: string; value: number; color: string }[] = [
    { label: 'Sent', value: stats.sent, color: '#0b5fff' },
    { label: 'Delivered', value: stats.delivered, color: '#12805c' },
    { label: 'Failed', value: stats.failed, color: '#c4320a' },
    { label: 'Not sent', value: skippedTotal(stats), color: '#8a94a6' },
    { label: 'Replied', value: stats.replied, color: '#6941c6' },
    { label: 'Opted out', value: stats.optedOut, color: '#b54708' },
  ];
  const max = Math.max(1, stats.total, ...rows.map((r) => r.value));
  const height = rows.length * ROW + 4;
  const summary = rows.map((r) => `${r.label}: ${r.value}`).join(', ');
  return (
    <figure class="te-cv-chart" data-testid="te-cv-chart" ref={ref}>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={`Results of ${stats.total} texts. ${summary}.`}>
        {rows.map((r, i) => {
          const y = i * ROW + 4;
          const w = r.value ? Math.max(3, (r.value / max) * BAR_W) : 0;
          return (
            <g key={r.label}>
              <text x={LABEL_W - 10} y={y + 15} text-anchor="end" class="te-cv-chart-label">
                {r.label}
              </text>
              <rect x={LABEL_W} y={y + 3} width={BAR_W} height={16} rx={4} fill="#eef1f6" />
              {w > 0 && <rect x={LABEL_W} y={y + 3} width={w} height={16} rx={4} fill={r.color} />}
              <text x={LABEL_W + BAR_W + 8} y={y + 15} class="te-cv-chart-value">
                {r.value.toLocaleString('en-US')}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption class="te-help">Out of {stats.total.toLocaleString('en-US')} texts this campaign sent or tried.</figcaption>
    </figure>
  );
}
