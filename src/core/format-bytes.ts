/** Sizes for people, shared by every message that names one (CLI output, disk-space errors). */

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];

/** 1234567 → "1.23 MB" (SI units, as download tools and disk tools show them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0
    ? `${Math.round(value)} B`
    : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${UNITS[unit]}`;
}
