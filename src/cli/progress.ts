/**
 * Progress bars on stderr. On a TTY they redraw in place (several lines at once, for parallel downloads);
 * elsewhere (pipes, CI logs, NO_COLOR) they print nothing, so machine-read output stays clean.
 */
import { writeDiagnostic, type CliIO } from "./io.js";
import { fit, formatBytes, formatDuration } from "./format.js";

/** One bar's state. `unit: "bytes"` formats done/total as sizes. */
export interface ProgressLine {
  label: string;
  done: number;
  total: number;
  unit: "bytes" | "items";
  /** Extra text after the numbers, e.g. "tensor 12/288". */
  detail?: string;
  startedAt: number;
}

const REDRAW_MS = 100;

/** A set of progress lines redrawn together. */
export class ProgressDisplay {
  private readonly lines = new Map<string, ProgressLine>();
  private drawnLines = 0;
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(private readonly io: CliIO) {
    this.enabled = io.stderr.isTTY === true && io.env["NO_COLOR"] === undefined && io.env["CI"] === undefined;
  }

  /** Creates or updates the line `key`. Redraws at most every 100 ms unless `force`. */
  update(key: string, patch: Partial<Omit<ProgressLine, "startedAt">>, force = false): void {
    const line = this.lines.get(key) ?? {
      label: key,
      done: 0,
      total: 0,
      unit: "items",
      startedAt: Date.now(),
    };
    Object.assign(line, patch);
    this.lines.set(key, line);
    this.draw(force);
  }

  /** Removes line `key` from the display. */
  remove(key: string): void {
    this.lines.delete(key);
    this.draw(true);
  }

  /** Erases the bars (call before printing results). */
  clear(): void {
    if (!this.enabled || this.drawnLines === 0) return;
    writeDiagnostic(this.io.stderr, `\x1b[${this.drawnLines}F\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const width = Math.max(40, Math.min(this.io.stderr.columns ?? 100, 140));
    const rendered = [...this.lines.values()].map((line) => renderLine(line, width, now));
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : "";
    writeDiagnostic(this.io.stderr, `${up}\x1b[J${rendered.join("\n")}\n`);
    this.drawnLines = rendered.length;
  }
}

/** Renders one line: `label [#####.....]  45% 1.2 GB/2.7 GB 35.2 MB/s ETA 42s detail`. */
export function renderLine(line: ProgressLine, width: number, now: number): string {
  const fraction = line.total > 0 ? Math.min(1, line.done / line.total) : 0;
  const elapsed = Math.max(0.001, (now - line.startedAt) / 1000);
  const rate = line.done / elapsed;
  const eta = rate > 0 && line.total > 0 ? (line.total - line.done) / rate : Number.NaN;
  const amount =
    line.unit === "bytes"
      ? `${formatBytes(line.done)}/${formatBytes(line.total)} ${formatBytes(rate)}/s`
      : `${line.done}/${line.total} ${rate.toFixed(1)}/s`;
  const tail = `${(fraction * 100).toFixed(0).padStart(3)}% ${amount} ETA ${formatDuration(eta)}${line.detail === undefined ? "" : ` ${line.detail}`}`;
  const labelWidth = Math.min(28, Math.max(10, Math.floor(width * 0.25)));
  const barWidth = Math.max(10, width - labelWidth - tail.length - 4);
  const filled = Math.round(fraction * barWidth);
  return `${fit(line.label, labelWidth)} [${"#".repeat(filled)}${".".repeat(barWidth - filled)}] ${tail}`.slice(
    0,
    width,
  );
}
