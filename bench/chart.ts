export interface Bar {
  label: string;
  value: number;
  ceiling?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A horizontal bar chart: each measurement next to its ceiling, as a dependency-free SVG. */
export function barChartSvg(title: string, unit: string, bars: Bar[]): string {
  const width = 760;
  const left = 250;
  const rowH = 34;
  const max = Math.max(1, ...bars.flatMap((b) => [b.value, b.ceiling ?? 0]));
  const scale = (v: number) => ((width - left - 90) * v) / max;
  const rows = bars
    .map((b, i) => {
      const y = 40 + i * rowH;
      const ceiling =
        b.ceiling === undefined
          ? ''
          : `<rect x="${left}" y="${y + 16}" width="${scale(b.ceiling).toFixed(1)}" height="9" fill="#c8ccd2"/>` +
            `<text x="${left + scale(b.ceiling) + 6}" y="${y + 25}" font-size="10" fill="#666">ceiling ${b.ceiling.toFixed(1)}</text>`;
      return (
        `<text x="${left - 8}" y="${y + 14}" font-size="12" text-anchor="end">${esc(b.label)}</text>` +
        `<rect x="${left}" y="${y}" width="${scale(b.value).toFixed(1)}" height="14" fill="#3b6fd4"/>` +
        `<text x="${left + scale(b.value) + 6}" y="${y + 12}" font-size="11">${b.value.toFixed(1)} ${esc(unit)}</text>` +
        ceiling
      );
    })
    .join('');
  const height = 50 + bars.length * rowH;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/><text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>${rows}</svg>\n`;
}
