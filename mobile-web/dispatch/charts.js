// Charts drawn by the board itself: SVG bars (attributes only, no inline style, so the
// CSP holds), no chart library. The numbers are always in a table next to the chart:
// the SVG is an image with a name, the table is what assistive technology reads.
import { html } from '/shared/ui.js';

// rows: [{label, value (0..1 or null), text}]
export function BarChart({ rows, labelledby }) {
  const W = 640, LABEL = 250, ROW = 28, BAR = 18;
  const H = rows.length * ROW + 8;
  const span = W - LABEL - 70;
  return html`<svg class="chart" viewBox=${`0 0 ${W} ${H}`} role="img" aria-labelledby=${labelledby} preserveAspectRatio="xMinYMin meet">
    ${rows.map((r, i) => {
      const y = 4 + i * ROW;
      const w = r.value == null ? 0 : Math.max(1, Math.min(1, r.value) * span);
      return html`<g key=${i}>
        <text x=${LABEL - 8} y=${y + BAR - 4} text-anchor="end" class="chart-label">${r.label}</text>
        <rect x=${LABEL} y=${y} width=${span} height=${BAR} class="chart-track" />
        <rect x=${LABEL} y=${y} width=${w} height=${BAR} class=${'chart-bar' + (r.value != null && r.value < 0.8 ? ' low' : '')} />
        <text x=${LABEL + span + 6} y=${y + BAR - 4} class="chart-label">${r.text}</text>
      </g>`;
    })}
  </svg>`;
}
