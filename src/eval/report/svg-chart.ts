/**
 * A bar chart of a run's card scores (and the card's, when compared), as a self-contained SVG: one row
 * per benchmark, bars on a 0–100 scale, values written at the bar ends. No chart library.
 */
import type { ResultsJson } from "../runner/results-layout.js";
import { CARD_COLUMNS, CARD_NUMBERS, type CardSize } from "./card-numbers.js";
import { runValue } from "./markdown-report.js";

const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const COLORS = { run: "#1f6feb", card: "#f28c28" };

/** The SVG chart (benchmarks with no value on either side are left out). */
export function svgChart(results: ResultsJson, card?: CardSize): string {
  const rows = CARD_COLUMNS.map((c) => ({
    label: c.label,
    run: runValue(results, c),
    card: card === undefined ? undefined : CARD_NUMBERS[card][c.key],
  })).filter((r) => r.run !== undefined || r.card !== undefined);
  const labelWidth = 170;
  const barWidth = 420;
  const barHeight = 12;
  const rowHeight = card === undefined ? 22 : 34;
  const top = 48;
  const height = top + rows.length * rowHeight + 20;
  const width = labelWidth + barWidth + 70;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(results.model_name)}${card === undefined ? "" : ` vs Atlas-Chat-${card.toUpperCase()} (card)`}</text>`,
    `<rect x="10" y="30" width="10" height="10" fill="${COLORS.run}"/><text x="24" y="39">this run</text>`,
  ];
  if (card !== undefined)
    out.push(
      `<rect x="90" y="30" width="10" height="10" fill="${COLORS.card}"/><text x="104" y="39">model card</text>`,
    );
  for (const tick of [0, 25, 50, 75, 100]) {
    const x = labelWidth + (tick / 100) * barWidth;
    out.push(`<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 16}" stroke="#dddddd"/>`);
    out.push(`<text x="${x}" y="${height - 4}" text-anchor="middle" fill="#666666">${tick}</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    out.push(
      `<text x="${labelWidth - 8}" y="${y + barHeight}" text-anchor="end">${escape(row.label)}</text>`,
    );
    const bars: [number | undefined, string][] = [[row.run, COLORS.run]];
    if (card !== undefined) bars.push([row.card, COLORS.card]);
    bars.forEach(([value, color], k) => {
      const by = y + k * (barHeight + 2);
      if (value === undefined) {
        out.push(`<text x="${labelWidth + 4}" y="${by + barHeight - 2}" fill="#999999">n/a</text>`);
        return;
      }
      const w = (Math.max(0, Math.min(100, value)) / 100) * barWidth;
      out.push(
        `<rect x="${labelWidth}" y="${by}" width="${w.toFixed(1)}" height="${barHeight}" fill="${color}"/>`,
      );
      out.push(
        `<text x="${(labelWidth + w + 4).toFixed(1)}" y="${by + barHeight - 2}">${value.toFixed(2)}</text>`,
      );
    });
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
