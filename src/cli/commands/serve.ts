import { basename } from "node:path";
import type { AtlasLoadOptions } from "../../api/index.js";
import { atlasHostFromEnv } from "../../config/index.js";
import { AtlasError } from "../../core/index.js";
import {
  createApp,
  isLoopbackHost,
  listen,
  parseGoDuration,
  type ConfiguredModel,
  type CreateAppOptions,
} from "../../server/index.js";
import { parseModelRef, resolveModel } from "../../store/index.js";
import { badArgument, parseCommandArgs, parsePositiveInt } from "../args.js";
import type { CliCommand } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { eprintln, println, type CliIO } from "../io.js";
import { LOAD_FLAGS, LOAD_FLAGS_HELP, loadOptionsFrom } from "../model-flags.js";

const FLAGS = {
  ...LOAD_FLAGS,
  model: { type: "string", multiple: true },
  host: { type: "string" },
  port: { type: "string" },
  parallel: { type: "string" },
  "max-queue": { type: "string" },
  "keep-alive": { type: "string" },
  "max-loaded": { type: "string" },
  "memory-budget": { type: "string" },
  "api-key": { type: "string" },
  "insecure-no-auth": { type: "boolean" },
  "cors-origin": { type: "string", multiple: true },
  "log-format": { type: "string" },
  "batch-invariant": { type: "boolean" },
  mlock: { type: "boolean" },
  "max-body": { type: "string" },
  upstream: { type: "string" },
  "upstream-model": { type: "string" },
} as const;

const DEFAULT_PORT = 11434;

/** `host`, `host:port`, `:port`, `http://host:port`, `[::1]:port` (OLLAMA_HOST's forms). */
export function parseHostPort(text: string): { host?: string; port?: number } {
  const bare = text
    .trim()
    .replace(/^https?:\/\//, "")
    .replace(/\/+$/, "");
  const match = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(bare);
  if (match === null) throw new AtlasError("BAD_ARGUMENT", `cannot read '${text}' as host[:port]`);
  const host = match[1]!.replace(/^\[|\]$/g, "");
  return {
    ...(host === "" ? {} : { host }),
    ...(match[2] === undefined ? {} : { port: Number(match[2]) }),
  };
}

/** "8G", "512M", "1.5GiB", "1000000" → bytes. */
export function parseSize(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (match === null)
    throw badArgument("serve", `--${flag} must be a size such as 8G or 512M, got '${text}'`);
  const power = " kmgt".indexOf(match[2]!.toLowerCase() || " ");
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** `openai:<base-url>` → the upstream's base URL. */
export function parseUpstream(text: string): string {
  const match = /^openai:(https?:\/\/.+)$/.exec(text.trim());
  if (match === null)
    throw badArgument(
      "serve",
      `--upstream must be openai:<base-url>, e.g. openai:http://gpu-node:8000/v1, got '${text}'`,
    );
  return match[1]!;
}

/** `--model name=ref` or `--model ref` (named after the file or the ref). */
function modelSpec(raw: string): { name: string; ref: string } {
  const eq = raw.indexOf("=");
  if (eq > 0 && /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(raw.slice(0, eq)))
    return { name: raw.slice(0, eq), ref: raw.slice(eq + 1) };
  const ref = parseModelRef(raw);
  return { name: ref.kind === "path" ? basename(ref.path).replace(/\.gguf$/i, "") : raw, ref: raw };
}

async function resolveModels(
  io: CliIO,
  specs: string[],
  loadOptions: AtlasLoadOptions,
): Promise<ConfiguredModel[]> {
  const out: ConfiguredModel[] = [];
  for (const raw of specs) {
    const spec = modelSpec(raw);
    if (out.some((m) => m.name === spec.name))
      throw badArgument(
        "serve",
        `two --model options are named '${spec.name}': name them with --model NAME=${spec.ref}`,
      );
    const { path } = await resolveModel(spec.ref, {
      quant: loadOptions.quant,
      env: io.env,
      signal: io.signal,
    });
    out.push({ name: spec.name, path });
  }
  return out;
}

function keepAliveMs(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = /^-?\d+$/.test(raw.trim()) ? Number(raw) * 1000 : undefined;
  const ms = seconds ?? parseGoDuration(raw.trim());
  if (ms === undefined)
    throw badArgument("serve", `--keep-alive must be a duration such as 5m, 1h, 30s or -1, got '${raw}'`);
  return ms < 0 ? -1 : ms;
}

export const serveCommand: CliCommand = {
  name: "serve",
  summary: "serve models over Ollama's and OpenAI's HTTP APIs",
  help: `Usage: atlas serve [--model REF ...] [options]

Serves models over an Ollama-compatible API (/api/chat, /api/generate, …) and an OpenAI-compatible API
(/v1/chat/completions, /v1/completions, …), with continuous batching: --parallel requests per model are
decoded together, more wait in a FIFO queue. Without --model, models of the store (\`atlas pull\`) load on
first use, as Ollama does. Ctrl-C finishes (or, after a few seconds, aborts) running requests and exits.

Options:
  --model [NAME=]REF       a model to serve (a pulled name, a GGUF file or a checkpoint folder), loaded at
                           start and kept loaded; repeatable. Clients use NAME (default: REF, or the file name)
  --host HOST              address to bind (default 127.0.0.1; also ATLAS_HOST=host[:port])
  --port N                 port (default 11434)
  --parallel N             requests decoded together per model (default 4)
  --max-queue N            requests waiting for a slot before 503 + Retry-After (default 256)
  --keep-alive DURATION    how long an idle model stays loaded (default 5m; -1 = forever, 0 = unload)
  --max-loaded N           models loaded at once (default 3; the least recently used idle one goes)
  --memory-budget SIZE     model bytes loaded at once, e.g. 16G (default unlimited)
  --batch-invariant        results independent of other requests (reproducible; slower)
  --mlock                  keep model weights in RAM
  --api-key KEY            require Authorization: Bearer KEY (or set ATLAS_API_KEY)
  --insecure-no-auth       allow a non-loopback --host without an API key
  --cors-origin URL        let web pages from this origin call the API; repeatable (default: none)
  --max-body SIZE          largest request body (default 32M)
  --log-format text|json   one line per request on stderr (default text)
  --upstream openai:URL    serve the same APIs in front of an OpenAI-compatible server (vLLM, TGI,
                           llama.cpp's server, another atlas serve); nothing loads here. Its key:
                           ATLAS_UPSTREAM_API_KEY
  --upstream-model ID      send every request to this upstream model id

${LOAD_FLAGS_HELP}

Examples:
  atlas serve --model atlas-chat:2b
  atlas serve --model chat=./atlas-chat-2b.q8_0.gguf --parallel 8 --ctx-size 4096
  ATLAS_API_KEY=secret atlas serve --host 0.0.0.0 --cors-origin https://chat.example.org
  atlas serve --upstream openai:http://gpu-node:8000/v1 --upstream-model MBZUAI-Paris/Atlas-Chat-27B
  curl http://127.0.0.1:11434/api/chat -d '{"model":"atlas-chat:2b","messages":[{"role":"user","content":"labas?"}]}'`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("serve", argv, FLAGS);
    if (positionals.length > 0)
      throw badArgument("serve", `unexpected argument '${positionals[0]}' (use --model)`);
    const fromEnv = atlasHostFromEnv(io.env);
    const envAddress = fromEnv === undefined ? {} : parseHostPort(fromEnv);
    const host = values.host ?? envAddress.host ?? "127.0.0.1";
    const port = values.port === undefined ? (envAddress.port ?? DEFAULT_PORT) : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw badArgument("serve", `--port must be a port number, got '${values.port}'`);
    const apiKey = values["api-key"] ?? io.env["ATLAS_API_KEY"];
    const loopback = isLoopbackHost(host);
    if (!loopback && apiKey === undefined && values["insecure-no-auth"] !== true)
      throw badArgument(
        "serve",
        `--host ${host} exposes the server beyond this machine: give --api-key (or ATLAS_API_KEY), or --insecure-no-auth if you really want it open`,
      );
    const format = values["log-format"] ?? "text";
    if (format !== "text" && format !== "json")
      throw badArgument("serve", "--log-format must be text or json");

    const loadOptions: AtlasLoadOptions = {
      ...loadOptionsFrom("serve", values),
      sequences: parsePositiveInt("serve", "parallel", values.parallel) ?? 4,
      onNotice: (message) => eprintln(io, `note: ${message}`),
    };
    const maxQueue = values["max-queue"];
    if (maxQueue !== undefined) {
      const n = Number(maxQueue);
      if (!Number.isInteger(n) || n < 0)
        throw badArgument("serve", `--max-queue must be a whole number ≥ 0, got '${maxQueue}'`);
      loadOptions.maxQueue = n;
    }
    if (values["batch-invariant"] === true) loadOptions.batchInvariant = true;
    if (values.mlock === true) loadOptions.mlock = true;
    const upstreamUrl = values.upstream === undefined ? undefined : parseUpstream(values.upstream);
    if (upstreamUrl !== undefined && values.model !== undefined)
      throw badArgument(
        "serve",
        "--model and --upstream do not go together: with --upstream nothing loads here",
      );
    if (upstreamUrl === undefined && values["upstream-model"] !== undefined)
      throw badArgument("serve", "--upstream-model needs --upstream");
    const upstreamKey = io.env["ATLAS_UPSTREAM_API_KEY"];
    const models = await resolveModels(io, values.model ?? [], loadOptions);
    const options: CreateAppOptions = {
      models,
      loadOptions,
      env: io.env,
      ...(keepAliveMs(values["keep-alive"]) === undefined
        ? {}
        : { keepAliveMs: keepAliveMs(values["keep-alive"])! }),
      ...(values["max-loaded"] === undefined
        ? {}
        : { maxLoadedModels: parsePositiveInt("serve", "max-loaded", values["max-loaded"])! }),
      ...(values["memory-budget"] === undefined
        ? {}
        : { memoryBudgetBytes: parseSize("memory-budget", values["memory-budget"]) }),
      ...(values["max-body"] === undefined
        ? {}
        : { maxBodyBytes: parseSize("max-body", values["max-body"]) }),
      ...(apiKey === undefined ? {} : { apiKey }),
      corsOrigins: values["cors-origin"] ?? [],
      allowedHosts: loopback ? [host] : "any",
      log: { write: (line) => eprintln(io, line), format },
      ...(upstreamUrl === undefined
        ? {}
        : {
            upstream: {
              baseUrl: upstreamUrl,
              ...(values["upstream-model"] === undefined ? {} : { model: values["upstream-model"] }),
              ...(upstreamKey === undefined ? {} : { apiKey: upstreamKey }),
            },
          }),
    };
    const app = createApp(options);
    try {
      for (const model of models) await app.atlas.backend.load(model.name, undefined);
    } catch (error) {
      await app.atlas.shutdown(0);
      throw error;
    }
    const server = await listen(app, { host, port }).catch(async (error: unknown) => {
      await app.atlas.shutdown(0);
      throw new AtlasError("IO", `cannot listen on ${host}:${port} (${String(error)})`, {
        hint: "is another server (ollama?) using that port? pick one with --port",
      });
    });
    for (const running of await app.atlas.backend.running())
      println(
        io,
        `  ${running.name}: ${running.details.family} ${running.details.parameterSize} ${running.details.quantizationLevel}, ${running.slots} slots × ${running.contextLength} tokens`,
      );
    if (upstreamUrl !== undefined)
      println(
        io,
        `  upstream: ${upstreamUrl}${values["upstream-model"] === undefined ? "" : ` (model ${values["upstream-model"]})`}`,
      );
    else if (models.length === 0) println(io, "  models of the store load on first use (see `atlas list`)");
    if (apiKey === undefined && !loopback)
      println(io, "  warning: no API key — anyone who can reach this address can use it");
    // Last, so whoever waits for this line finds everything above printed.
    println(
      io,
      `atlas serve: listening on ${server.url} (Ollama API at /api, OpenAI API at ${server.url}/v1)`,
    );
    await waitForStop(io);
    eprintln(io, "atlas serve: stopping (finishing running requests)…");
    await server.close(5000);
    return EXIT_OK;
  },
};

/** Resolves on Ctrl-C (the CLI's signal) or SIGTERM. */
function waitForStop(io: CliIO): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGTERM", stop);
      resolve();
    };
    if (io.signal.aborted) return stop();
    io.signal.addEventListener("abort", stop, { once: true });
    process.once("SIGTERM", stop);
  });
}
