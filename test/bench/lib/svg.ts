/** Small hand-written SVG charts: horizontal bars, one group per row, one bar per series. */
export interface BarChart {
  title: string;
  /** Axis caption, e.g. "deliveries per second (more is better)". */
  axis: string;
  series: string[];
  rows: Array<{ label: string; values: Array<number | null> }>;
  format: (value: number) => string;
  log?: boolean;
}

const COLORS = ['#3366cc', '#dc7633', '#2e8b57', '#8e44ad'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function barChart(chart: BarChart): string {
  const labelWidth = 230;
  const plotWidth = 440;
  const valueWidth = 90;
  const barHeight = 16;
  const groupGap = 10;
  const top = 46;
  const legend = chart.series.length > 1 ? 22 : 0;
  const groupHeight = chart.series.length * barHeight + groupGap;
  const height = top + legend + chart.rows.length * groupHeight + 34;
  const width = labelWidth + plotWidth + valueWidth;
  const values = chart.rows.flatMap((r) => r.values).filter((v): v is number => v !== null && Number.isFinite(v) && v > 0);
  const max = values.length ? Math.max(...values) : 1;
  const min = values.length ? Math.min(...values) : 1;
  const logMin = Math.pow(10, Math.floor(Math.log10(min)));
  const logMax = Math.pow(10, Math.ceil(Math.log10(max)));
  const scale = (v: number): number =>
    chart.log ? (Math.log10(Math.max(v, logMin)) - Math.log10(logMin)) / (Math.log10(logMax) - Math.log10(logMin) || 1) * plotWidth : (v / max) * plotWidth;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="10" y="22" font-size="15" font-weight="bold">${escape(chart.title)}</text>`);
  if (legend) {
    chart.series.forEach((name, i) => {
      const x = labelWidth + i * 120;
      out.push(`<rect x="${x}" y="${top - 8}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 16}" y="${top + 2}">${escape(name)}</text>`);
    });
  }
  let y = top + legend;
  for (const row of chart.rows) {
    out.push(`<text x="${labelWidth - 8}" y="${y + (chart.series.length * barHeight) / 2 + 4}" text-anchor="end">${escape(row.label)}</text>`);
    row.values.forEach((v, i) => {
      const by = y + i * barHeight;
      if (v === null || !Number.isFinite(v)) {
        out.push(`<text x="${labelWidth + 4}" y="${by + 12}" fill="#888">n/a</text>`);
        return;
      }
      const w = Math.max(1, scale(v));
      out.push(`<rect x="${labelWidth}" y="${by + 1}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${COLORS[i % COLORS.length]}"/>`);
      out.push(`<text x="${(labelWidth + w + 4).toFixed(1)}" y="${by + 12}">${escape(chart.format(v))}</text>`);
    });
    y += groupHeight;
  }
  out.push(`<line x1="${labelWidth}" y1="${top + legend - 4}" x2="${labelWidth}" y2="${y - groupGap + 4}" stroke="#333"/>`);
  out.push(`<text x="${labelWidth}" y="${y + 16}" fill="#444">${escape(chart.axis)}${chart.log ? ' (log scale)' : ''}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
