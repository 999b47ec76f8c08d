/**
 * `GET /metrics` in Prometheus' text format (version 0.0.4): requests by route and status, tokens in and
 * out by model, queue depth and busy slots (read from the engine at scrape time), and histograms of the
 * time to first token and the time between tokens.
 */
import type { BackendLoad } from "./backend.js";

const TTFT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const TOKEN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.sum += value;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (value <= b) this.counts[i]!++;
    });
  }

  lines(name: string, labels = ""): string[] {
    const sep = labels === "" ? "" : ",";
    return [
      ...this.buckets.map((b, i) => `${name}_bucket{${labels}${sep}le="${b}"} ${this.counts[i]}`),
      `${name}_bucket{${labels}${sep}le="+Inf"} ${this.count}`,
      `${name}_sum${labels === "" ? "" : `{${labels}}`} ${this.sum}`,
      `${name}_count${labels === "" ? "" : `{${labels}}`} ${this.count}`,
    ];
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
}

/** Counters and histograms of one server. */
export class ServerMetrics {
  private readonly requests = new Map<string, number>();
  private readonly promptTokens = new Map<string, number>();
  private readonly generatedTokens = new Map<string, number>();
  private readonly ttft = new Histogram(TTFT_BUCKETS);
  private readonly perToken = new Histogram(TOKEN_BUCKETS);
  private readonly durations = new Map<string, Histogram>();
  private inFlight = 0;

  /** Requests being served now (streams count until their last byte). */
  get inFlightRequests(): number {
    return this.inFlight;
  }

  /** A request started (for the in-flight gauge); call `finished` when its response is done. */
  started(): void {
    this.inFlight++;
  }

  /** A request ended with `status` after `seconds` (streams: when the last byte was sent). */
  finished(route: string, method: string, status: number, seconds: number): void {
    this.inFlight--;
    const key = labels({ method, route, status: String(status) });
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const routeKey = labels({ route });
    let h = this.durations.get(routeKey);
    if (h === undefined) this.durations.set(routeKey, (h = new Histogram(DURATION_BUCKETS)));
    h.observe(seconds);
  }

  tokens(model: string, prompt: number, generated: number): void {
    const key = labels({ model });
    this.promptTokens.set(key, (this.promptTokens.get(key) ?? 0) + prompt);
    this.generatedTokens.set(key, (this.generatedTokens.get(key) ?? 0) + generated);
  }

  firstToken(seconds: number): void {
    this.ttft.observe(seconds);
  }

  tokenLatency(seconds: number): void {
    this.perToken.observe(seconds);
  }

  /** The exposition text. */
  render(load: BackendLoad): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, rows: string[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows);
    };
    const counter = (map: Map<string, number>, name: string): string[] =>
      [...map].map(([k, v]) => `${name}{${k}} ${v}`);
    family(
      "atlas_http_requests_total",
      "counter",
      "HTTP requests by method, route and status.",
      counter(this.requests, "atlas_http_requests_total"),
    );
    family(
      "atlas_http_request_duration_seconds",
      "histogram",
      "Time from request to the last byte of the response.",
      [...this.durations].flatMap(([k, h]) => h.lines("atlas_http_request_duration_seconds", k)),
    );
    family("atlas_http_requests_in_flight", "gauge", "Requests being served now.", [
      `atlas_http_requests_in_flight ${this.inFlight}`,
    ]);
    family(
      "atlas_prompt_tokens_total",
      "counter",
      "Prompt tokens of finished generations and embeddings.",
      counter(this.promptTokens, "atlas_prompt_tokens_total"),
    );
    family(
      "atlas_generated_tokens_total",
      "counter",
      "Generated tokens.",
      counter(this.generatedTokens, "atlas_generated_tokens_total"),
    );
    family("atlas_queue_depth", "gauge", "Requests waiting for a slot.", [
      `atlas_queue_depth ${load.queued}`,
    ]);
    family("atlas_slots_busy", "gauge", "Slots (sequences) serving a request.", [
      `atlas_slots_busy ${load.busySlots}`,
    ]);
    family("atlas_slots_total", "gauge", "Slots of the loaded models.", [`atlas_slots_total ${load.slots}`]);
    family("atlas_models_loaded", "gauge", "Models in memory.", [`atlas_models_loaded ${load.loadedModels}`]);
    family(
      "atlas_time_to_first_token_seconds",
      "histogram",
      "Time from request to the first generated token.",
      this.ttft.lines("atlas_time_to_first_token_seconds"),
    );
    family(
      "atlas_time_per_output_token_seconds",
      "histogram",
      "Time between consecutive generated tokens of a request.",
      this.perToken.lines("atlas_time_per_output_token_seconds"),
    );
    return `${out.join("\n")}\n`;
  }
}
