/**
 * `loadModel(ref)`: from what a user types (a GGUF path, a Hugging Face checkpoint folder, an alias such as
 * `atlas-chat:2b`, or `org/name[:quant]` already pulled) to a ready {@link AtlasModel}.
 */
import type { ConvertProgress } from "../convert/index.js";
import { LlamaEngine, type Engine, type LoadModelOptions } from "../engine/index.js";
import { resolveModel, type ResolvedModel } from "../store/index.js";
import { AtlasModel } from "./atlas-model.js";
import { modelDefaultsOf, withDefaultLoadOptions } from "./model-defaults.js";

/** Options of {@link loadModel}: the engine's options plus how to find the model. */
export interface AtlasLoadOptions extends LoadModelOptions {
  /** Quantization to use for store models and on-the-fly conversions (default q4_k_m). */
  quant?: string;
  /** Progress of an on-the-fly conversion of a checkpoint folder. */
  onConvertProgress?: (progress: ConvertProgress) => void;
  /** The engine; default llama.cpp. Tests pass a FakeEngine. */
  engine?: Engine;
  /** Environment for path defaults (ATLAS_HOME); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

let sharedEngine: LlamaEngine | undefined;

/**
 * Loads a model: what a user types, or a model `resolveModel` already found. A model made with
 * `atlas create` loads with its adapters and load parameters (the options given win) and keeps its
 * SYSTEM, MESSAGE history, parameters and TEMPLATE as the AtlasModel's defaults.
 * @example
 * await using model = await loadModel("atlas-chat:2b");
 * const reply = await model.generate([{ role: "user", content: "شنو هو الطاجين؟" }], { temperature: 0 }).result;
 */
export async function loadModel(
  ref: string | ResolvedModel,
  options: AtlasLoadOptions = {},
): Promise<AtlasModel> {
  const resolved =
    typeof ref === "string"
      ? await resolveModel(ref, {
          quant: options.quant,
          env: options.env,
          signal: options.signal,
          onProgress: options.onConvertProgress,
          threads: options.threads,
        })
      : ref;
  const engine = options.engine ?? (sharedEngine ??= new LlamaEngine());
  const {
    quant: _quant,
    onConvertProgress: _progress,
    engine: _engine,
    env: _env,
    ...engineOptions
  } = options;
  const defaults = modelDefaultsOf(resolved.created);
  const loaded = await engine.loadModel(resolved.path, withDefaultLoadOptions(engineOptions, defaults));
  return new AtlasModel(loaded, { defaults });
}
