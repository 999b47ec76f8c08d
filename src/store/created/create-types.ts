/** The request `createModel` takes (Ollama's `/api/create` body, plus local paths for the CLI). */
import type { ChatMessage } from "../../core/index.js";
import type { ConvertProgress } from "../../convert/index.js";
import type { ConvertFn } from "../convert-local-checkpoint.js";
import type { StoreOptions } from "../manifest.js";
import type { CreatedModel } from "./created-store.js";

/** What a model is made from. */
export type CreateSource =
  /**
   * A local path (the CLI's Modelfile FROM): a Hugging Face checkpoint folder (converted), a GGUF file, or
   * a folder holding one GGUF. Never from an HTTP request: requests name models or blobs.
   */
  | { kind: "path"; path: string }
  /** An existing model: a created one, or one pulled into the store. Never read as a path. */
  | { kind: "model"; name: string }
  /** Uploaded blobs by file name (`/api/create`'s `files`: {"model.gguf": "sha256:…"}). */
  | { kind: "blobs"; files: Readonly<Record<string, string>> };

/** A LoRA adapter: a GGUF adapter, or a PEFT adapter folder (adapter_config.json + safetensors). */
export type AdapterSource =
  { kind: "path"; path: string } | { kind: "blobs"; files: Readonly<Record<string, string>> };

/** What to create (the fields of Ollama's `/api/create`). */
export interface CreateModelRequest {
  /** `[namespace/]name[:tag]` (Ollama's grammar; tag `latest` by default). */
  name: string;
  from: CreateSource;
  adapters?: readonly AdapterSource[] | undefined;
  /** A Go template of Gemma's format (else the model's own chat template is used). */
  template?: string | undefined;
  system?: string | undefined;
  /** Ollama parameters by name (`temperature`, `stop`, `num_ctx` …), JSON-typed. */
  parameters?: Readonly<Record<string, unknown>> | undefined;
  /** History put before every chat. */
  messages?: readonly ChatMessage[] | undefined;
  license?: string | readonly string[] | undefined;
  /** Minimum Ollama version (kept and shown; atlas does not check it against itself). */
  requires?: string | undefined;
  /** Type a checkpoint is converted to (default q4_k_m, as `atlas pull`). */
  quantize?: string | undefined;
}

/**
 * Converts a PEFT adapter folder into a GGUF LoRA checked against `base` (a checkpoint folder or GGUF).
 * The store cannot import src/tune (tune imports the store): the CLI passes tune's `convertPeftAdapter`.
 */
export type AdapterConverter = (params: {
  adapter: string;
  base: string;
  output: string;
  signal?: AbortSignal | undefined;
}) => Promise<{ warnings?: readonly string[] } | void>;

/**
 * Progress of a creation. `status` lines use Ollama's words where Ollama has them ("converting model",
 * "writing manifest", "success"), so {@link ollamaCreateStatus} maps them one to one onto /api/create's
 * NDJSON.
 */
export type CreateProgress =
  | { type: "status"; status: string }
  | { type: "convert"; progress: ConvertProgress }
  | { type: "waiting"; what: string };

/** Options of {@link createModel}. */
export interface CreateModelOptions extends StoreOptions, CreateModelRequest {
  /** Take a name that a pulled model answers to (default false: refused). */
  force?: boolean | undefined;
  /** For PEFT adapters (see {@link AdapterConverter}); without it they are refused. */
  convertAdapter?: AdapterConverter | undefined;
  /** The checkpoint converter (default convertModel); tests inject a fake. */
  convert?: ConvertFn | undefined;
  threads?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((event: CreateProgress) => void) | undefined;
}

/** What {@link createModel} made. */
export interface CreateModelResult {
  model: CreatedModel;
  /** True when a created model of the same name was replaced (as `ollama create` replaces it). */
  replaced: boolean;
  /** True when a checkpoint was converted for it (false: an earlier conversion or a GGUF was used). */
  converted: boolean;
  /** Things the user should know (a deprecated parameter, a template that ignores system text …). */
  warnings: string[];
}

/** One NDJSON line of Ollama's `/api/create` stream. */
export interface OllamaCreateStatus {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/**
 * The `/api/create` progress line for an event (undefined for none). Conversion progress carries a
 * digest-shaped key, total and completed bytes, as Ollama's own quantization progress does, so
 * `ollama create` draws a bar.
 */
export function ollamaCreateStatus(event: CreateProgress): OllamaCreateStatus | undefined {
  if (event.type === "status") return { status: event.status };
  if (event.type === "waiting") return { status: event.what };
  return {
    status: "converting model",
    digest: "0000000000000000000",
    total: event.progress.bytesTotal,
    completed: event.progress.bytesDone,
  };
}
