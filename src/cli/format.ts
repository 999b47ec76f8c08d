/** Human-readable numbers for CLI output (sizes: `formatBytes` in core, shared with the converter). */
export { formatBytes } from "../core/index.js";

/** Seconds → "1m05s" / "12.3s" / "2h03m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Pads/truncates `text` to exactly `width` columns (ASCII-safe; labels here are file names). */
export function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return `…${text.slice(text.length - width + 1)}`;
}
