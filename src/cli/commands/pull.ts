import { readTimeoutMs } from "../../config/index.js";
import { OUTPUT_TYPES } from "../../convert/index.js";
import { pullModel, type PullProgress, type PullResult } from "../../store/index.js";
import { badArgument, parseCommandArgs, parsePositiveInt } from "../args.js";
import type { CliCommand } from "../command.js";
import { formatBytes } from "../format.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import { ProgressDisplay } from "../progress.js";

const TOTAL = "\u0000total";
const CONVERT = "\u0000convert";

/**
 * Turns pull events into progress bars on a TTY (one per file being downloaded, a total, then the
 * conversion) and into a few plain lines on stderr elsewhere (unless `quiet`, for --json).
 */
function pullReporter(
  io: CliIO,
  quiet: boolean,
): { update: (event: PullProgress) => void; warn: (message: string) => void; done: () => void } {
  const display = new ProgressDisplay(io);
  const tty = io.stderr.isTTY === true && io.env["NO_COLOR"] === undefined && io.env["CI"] === undefined;
  const say = (text: string): void => {
    if (!tty && !quiet) eprintln(io, text);
  };
  // A line worth reading even on a terminal: the bars are erased first and redrawn by the next update.
  const tell = (text: string): void => {
    display.clear();
    eprintln(io, text);
  };
  // Concurrent downloads each learn of the same rate-limit window: say it once per window.
  let rateLimitedUntil = 0;
  const sizes = new Map<string, number>();
  const stalls = new Map<string, number>();
  const done = new Map<string, number>();
  let totalBytes = 0;
  let converting = false;
  const updateTotal = (): void => {
    let sum = 0;
    for (const value of done.values()) sum += value;
    display.update(TOTAL, { label: "total", done: sum, total: totalBytes, unit: "bytes" });
  };
  return {
    update(event) {
      switch (event.type) {
        case "resolved":
          say(
            `${event.repo}@${event.revision} → ${event.sha}${event.fallback !== undefined ? " (the hub could not be reached: from the cache)" : event.offline ? " (offline, from the cache)" : ""}`,
          );
          break;
        case "plan": {
          const pending = event.files.filter((f) => !f.cached);
          const cached = event.files.length - pending.length;
          for (const file of pending) sizes.set(file.path, file.size);
          totalBytes = pending.reduce((n, f) => n + f.size, 0);
          say(
            pending.length === 0
              ? `${event.files.length === 1 ? "the file is" : `all ${event.files.length} files are`} already in the Hugging Face cache`
              : `downloading ${files(pending.length)} (${formatBytes(totalBytes)})${cached > 0 ? `, ${cached} already cached` : ""}`,
          );
          if (pending.length > 0) updateTotal();
          break;
        }
        case "file": {
          if (!sizes.has(event.path)) break;
          if (event.state === "stalled") {
            stalls.set(event.path, (stalls.get(event.path) ?? 0) + 1);
            say(
              `${event.path}: no data for ${readTimeoutMs(io.env) / 1000} s — resuming from ${formatBytes(event.done)}`,
            );
          }
          done.set(event.path, event.done);
          if (event.state === "done") display.remove(event.path);
          else
            display.update(event.path, {
              label: event.path,
              done: event.done,
              total: event.total,
              unit: "bytes",
              ...fileDetail(event.state, stalls.get(event.path) ?? 0),
            });
          updateTotal();
          break;
        }
        case "convert": {
          const p = event.progress;
          if (!converting) {
            converting = true;
            display.remove(TOTAL);
            say("converting to GGUF…");
          }
          display.update(CONVERT, {
            label: "converting",
            done: p.bytesDone,
            total: p.bytesTotal,
            unit: "bytes",
            detail: `tensor ${p.tensorsDone}/${p.tensorsTotal}`,
          });
          break;
        }
        case "waiting":
          say(`waiting: ${event.what}`);
          break;
        case "rate-limited": {
          const until = Date.now() + event.waitMs;
          if (Math.abs(until - rateLimitedUntil) < 2000 || quiet) break;
          rateLimitedUntil = until;
          const policy =
            event.limit === undefined || event.windowSeconds === undefined
              ? ""
              : ` (${event.resource ?? "its"} limit: ${event.limit} requests per ${event.windowSeconds} s)`;
          tell(`rate limited by the hub, waiting ${Math.ceil(event.waitMs / 1000)} s${policy}`);
          break;
        }
        case "stored":
          display.remove(CONVERT);
          break;
      }
    },
    warn(message) {
      tell(`warning: ${message}`);
    },
    done() {
      display.clear();
    },
  };
}

/** "1 file", "3 files". */
function files(count: number): string {
  return `${count} ${count === 1 ? "file" : "files"}`;
}

/** What a file's bar says besides the numbers: why it is not moving. */
function fileDetail(state: string, stalls: number): { detail?: string } {
  if (state === "waiting") return { detail: "(another process is downloading it)" };
  if (state === "stalled") return { detail: "(stalled: resuming)" };
  const stalled = stalls === 0 ? "" : `stalled ${stalls}×, resumed`;
  if (state === "retrying") return { detail: `(retrying${stalled === "" ? "" : `; ${stalled}`})` };
  return stalled === "" ? {} : { detail: `(${stalled})` };
}

function summary(result: PullResult): string {
  const what =
    result.id === undefined
      ? result.model
      : `${result.id}@${result.sha?.slice(0, 8) ?? "?"}${result.revision !== undefined && result.revision !== result.sha ? ` (${result.revision})` : ""}`;
  const verb = result.status === "up-to-date" ? "up to date:" : "pulled";
  return `${verb} ${what} ${result.quant} (${formatBytes(result.bytes)}) → ${result.path}`;
}

export const pullCommand: CliCommand = {
  name: "pull",
  summary: "download a model from the Hugging Face hub and convert it to GGUF",
  help: `Usage: atlas pull <model> [--quant Q] [--revision REV] [--file NAME.gguf] [--token T] [--json]

Downloads a model's safetensors checkpoint into the Hugging Face cache (shared with Python's
huggingface_hub), converts it to GGUF and stores it in the atlas model store, where \`atlas run\` and
\`atlas serve\` find it. Downloads resume after an interruption (Ctrl-C or a dropped connection) and are
checked against their sha256. Pulling what is already stored does nothing.

<model> is one of:
  atlas-chat:2b | atlas-chat:9b | atlas-chat:27b   MBZUAI-Paris/Atlas-Chat-{2B,9B,27B}
  org/name[:quant]                                 any Gemma-2 repo on the hub
  ./folder                                         a local checkpoint (converted into $ATLAS_HOME/converted)

Options:
  -q, --quant Q         ${OUTPUT_TYPES.join(", ")} (default q4_k_m)
  -r, --revision REV    branch, tag or commit sha (default main)
      --file NAME.gguf  download this GGUF of a repo that already holds GGUF files; no conversion
      --token T         hub access token (default: $HF_TOKEN, $HUGGING_FACE_HUB_TOKEN, then the
                        file of \`hf auth login\`, $HF_TOKEN_PATH or $HF_HOME/token)
      --concurrency N   files downloaded at once (default 4)
      --verify          re-hash files already in the Hugging Face cache
      --threads N       llama.cpp threads for K-quant conversion
      --json            print the result as JSON (nothing else on stdout)

Environment:
  HF_ENDPOINT      hub URL (default https://huggingface.co)
  HF_TOKEN         access token; gated models (Atlas-Chat) need one after you accept the license
  HF_HOME, HF_HUB_CACHE   where the Hugging Face cache is (default ~/.cache/huggingface/hub;
                   ~ and $VAR are expanded, as Python does)
  HF_HUB_OFFLINE=1 no network: use only what is in the caches (also TRANSFORMERS_OFFLINE=1)
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY   the proxy to reach the hub through (see \`atlas env\`)
  ATLAS_HOME       the atlas store (default ~/.atlas)

When the hub cannot be reached and the cache already holds the revision, that is used (with a
warning), as huggingface_hub does. When the hub rate-limits requests, atlas waits as long as it says.

Examples:
  atlas pull atlas-chat:2b
  atlas pull atlas-chat:9b --quant q8_0 --revision main
  HF_TOKEN=hf_xxx atlas pull MBZUAI-Paris/Atlas-Chat-27B:q4_k_m
  atlas pull someone/Atlas-Chat-2B-GGUF --file Atlas-Chat-2B.Q8_0.gguf
  HF_HUB_OFFLINE=1 atlas pull atlas-chat:2b --quant f16
  HTTPS_PROXY=http://proxy.example.org:3128 atlas pull atlas-chat:2b
  atlas pull atlas-chat:2b --json`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("pull", argv, {
      quant: { type: "string", short: "q" },
      revision: { type: "string", short: "r" },
      file: { type: "string" },
      token: { type: "string" },
      concurrency: { type: "string" },
      verify: { type: "boolean" },
      threads: { type: "string" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 1) throw badArgument("pull", "give exactly one model to pull");
    const model = positionals[0] ?? "";
    const json = values.json === true;
    const reporter = pullReporter(io, json);
    let result: PullResult;
    try {
      result = await pullModel({
        model,
        quant: values.quant,
        revision: values.revision,
        file: values.file,
        token: values.token,
        concurrency: parsePositiveInt("pull", "concurrency", values.concurrency),
        threads: parsePositiveInt("pull", "threads", values.threads),
        verifyCached: values.verify === true,
        env: io.env,
        signal: io.signal,
        onProgress: reporter.update,
        onWarning: reporter.warn,
      });
    } finally {
      reporter.done();
    }
    if (json) printJson(io, result);
    else println(io, summary(result));
    return 0;
  },
};
