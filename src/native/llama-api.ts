/**
 * The part of llama.cpp's C API (include/llama.h at release v0.5.0) that atlas calls, declared for koffi.
 * Struct layouts here MUST match that release: `locate-library.ts` refuses any other release.
 * Defaults always come from llama.cpp's own `*_default_params()`; we only change the fields we need.
 */
import koffi, { type LibraryHandle } from "koffi";

/** An opaque native pointer (koffi 3 passes pointers as bigint addresses) — never dereferenced in JS. */
export type NativePointer = bigint;

koffi.opaque("llama_model");
koffi.opaque("llama_context");
koffi.opaque("llama_vocab");
koffi.opaque("llama_sampler");
koffi.opaque("llama_memory_i");
koffi.opaque("llama_adapter_lora");
koffi.opaque("ggml_backend_device");
koffi.opaque("ggml_backend_reg");

/** `ggml_log_callback`: void (*)(enum ggml_log_level, const char *, void *). */
export const LogCallback = koffi.proto(
  "void ggml_log_callback(int level, const char *text, void *user_data)",
);

export const ModelParams = koffi.struct("llama_model_params", {
  devices: "void *",
  tensor_buft_overrides: "void *",
  n_gpu_layers: "int32_t",
  split_mode: "int",
  load_mode: "int",
  lazy_mode: "int",
  main_gpu: "int32_t",
  tensor_split: "void *",
  progress_callback: "void *",
  progress_callback_user_data: "void *",
  kv_overrides: "void *",
  vocab_only: "bool",
  check_tensors: "bool",
  use_extra_bufts: "bool",
  no_host: "bool",
  no_alloc: "bool",
  load_mtp: "bool",
});

export const ContextParams = koffi.struct("llama_context_params", {
  n_ctx: "uint32_t",
  n_batch: "uint32_t",
  n_ubatch: "uint32_t",
  n_seq_max: "uint32_t",
  n_rs_seq: "uint32_t",
  n_outputs_max: "uint32_t",
  n_outputs_max_per_seq: "uint32_t",
  n_threads: "int32_t",
  n_threads_batch: "int32_t",
  ctx_type: "int",
  rope_scaling_type: "int",
  pooling_type: "int",
  attention_type: "int",
  flash_attn_type: "int",
  rope_freq_base: "float",
  rope_freq_scale: "float",
  yarn_ext_factor: "float",
  yarn_attn_factor: "float",
  yarn_beta_fast: "float",
  yarn_beta_slow: "float",
  yarn_orig_ctx: "uint32_t",
  defrag_thold: "float",
  cb_eval: "void *",
  cb_eval_user_data: "void *",
  type_k: "int",
  type_v: "int",
  abort_callback: "void *",
  abort_callback_data: "void *",
  embeddings: "bool",
  offload_kqv: "bool",
  no_perf: "bool",
  op_offload: "bool",
  swa_full: "bool",
  kv_unified: "bool",
  samplers: "void *",
  n_samplers: "size_t",
  ctx_other: "void *",
});

export const Batch = koffi.struct("llama_batch", {
  n_tokens: "int32_t",
  token: "int32_t *",
  embd: "float *",
  pos: "int32_t *",
  n_seq_id: "int32_t *",
  seq_id: "int32_t **",
  logits: "int8_t *",
});

export const QuantizeParams = koffi.struct("llama_model_quantize_params", {
  nthread: "int32_t",
  ftype: "int",
  output_tensor_type: "int",
  token_embedding_type: "int",
  allow_requantize: "bool",
  quantize_output_tensor: "bool",
  only_copy: "bool",
  pure: "bool",
  keep_split: "bool",
  dry_run: "bool",
  imatrix: "void *",
  kv_overrides: "void *",
  tt_overrides: "void *",
  prune_layers: "void *",
  max_buf_size: "size_t",
});

export const SamplerChainParams = koffi.struct("llama_sampler_chain_params", { no_perf: "bool" });

export const LogitBias = koffi.struct("llama_logit_bias", { token: "int32_t", bias: "float" });

/** ggml.h `GGML_MAX_N_THREADS`: the size of the cpumask array in ggml_threadpool_params. */
const GGML_MAX_N_THREADS = 512;

export const ThreadpoolParams = koffi.struct("ggml_threadpool_params", {
  cpumask: koffi.array("bool", GGML_MAX_N_THREADS),
  n_threads: "int",
  prio: "int",
  poll: "uint32_t",
  strict_cpu: "bool",
  paused: "bool",
});

/** Shape of ggml_threadpool_params in JS (cpumask stays as llama.cpp filled it). */
export interface ThreadpoolParamsValue {
  n_threads: number;
  poll: number;
  prio: number;
  [field: string]: unknown;
}

/** The CPU backend's threadpool constructor/destructor, reached through ggml_backend_reg_get_proc_address. */
export const ThreadpoolNewProto = koffi.proto("void *ggml_threadpool_new_fn(ggml_threadpool_params *params)");
export const ThreadpoolFreeProto = koffi.proto("void ggml_threadpool_free_fn(void *threadpool)");

/** JS shapes of the structs above (only fields we touch are typed precisely). */
export interface ModelParamsValue {
  n_gpu_layers: number;
  /** enum llama_load_mode: -1 auto, 0 none, 1 mmap, 2 mlock, 3 mmap+mlock, 4 direct I/O. */
  load_mode: number;
  vocab_only: boolean;
  use_extra_bufts: boolean;
  [field: string]: unknown;
}
export interface ContextParamsValue {
  n_ctx: number;
  n_batch: number;
  n_ubatch: number;
  n_seq_max: number;
  n_threads: number;
  n_threads_batch: number;
  flash_attn_type: number;
  type_k: number;
  type_v: number;
  no_perf: boolean;
  swa_full: boolean;
  kv_unified: boolean;
  [field: string]: unknown;
}
export interface BatchValue {
  n_tokens: number;
  token: NativePointer;
  embd: NativePointer | null;
  pos: NativePointer;
  n_seq_id: NativePointer;
  seq_id: NativePointer;
  logits: NativePointer;
}
export interface QuantizeParamsValue {
  nthread: number;
  ftype: number;
  allow_requantize: boolean;
  [field: string]: unknown;
}

/** A koffi function with its `.async` twin (runs on a worker thread, result through a Node callback). */
export type NativeFn<A extends unknown[], R> = ((...args: A) => R) & {
  async: (...args: [...A, (error: unknown, result: R) => void]) => void;
};

/** The typed llama.cpp C API. Names follow llama.h without the `llama_` prefix where unambiguous. */
export interface LlamaApi {
  backend_init: NativeFn<[], void>;
  log_set: NativeFn<[unknown, null], void>;
  ggml_backend_load_all_from_path: NativeFn<[string], void>;
  ggml_backend_load: NativeFn<[string], NativePointer>;
  ggml_backend_dev_count: NativeFn<[], number>;
  ggml_backend_dev_get: NativeFn<[number], NativePointer>;
  ggml_backend_dev_type: NativeFn<[NativePointer], number>;
  ggml_backend_dev_name: NativeFn<[NativePointer], string>;
  ggml_backend_dev_description: NativeFn<[NativePointer], string>;
  ggml_backend_dev_by_type: NativeFn<[number], NativePointer | null>;
  ggml_backend_dev_backend_reg: NativeFn<[NativePointer], NativePointer | null>;
  ggml_backend_reg_get_proc_address: NativeFn<[NativePointer, string], NativePointer | null>;
  ggml_threadpool_params_default: NativeFn<[number], ThreadpoolParamsValue>;
  ggml_quantize_chunk: NativeFn<
    [number, Float32Array, Uint8Array, number, number, number, null],
    number | bigint
  >;
  ggml_row_size: NativeFn<[number, number], number | bigint>;
  attach_threadpool: NativeFn<[NativePointer, NativePointer, NativePointer], void>;

  model_default_params: NativeFn<[], ModelParamsValue>;
  context_default_params: NativeFn<[], ContextParamsValue>;
  model_quantize_default_params: NativeFn<[], QuantizeParamsValue>;
  sampler_chain_default_params: NativeFn<[], { no_perf: boolean }>;

  model_load_from_file: NativeFn<[string, ModelParamsValue], NativePointer | null>;
  model_free: NativeFn<[NativePointer], void>;
  model_quantize: NativeFn<[string, string, QuantizeParamsValue], number>;
  model_get_vocab: NativeFn<[NativePointer], NativePointer>;
  model_n_ctx_train: NativeFn<[NativePointer], number>;
  model_n_layer: NativeFn<[NativePointer], number>;
  model_n_swa: NativeFn<[NativePointer], number>;
  model_n_embd: NativeFn<[NativePointer], number>;
  model_desc: NativeFn<[NativePointer, Buffer, number], number>;
  model_size: NativeFn<[NativePointer], number | bigint>;
  model_n_params: NativeFn<[NativePointer], number | bigint>;
  model_meta_val_str: NativeFn<[NativePointer, string, Buffer, number], number>;
  model_chat_template: NativeFn<[NativePointer, string | null], string | null>;

  init_from_model: NativeFn<[NativePointer, ContextParamsValue], NativePointer | null>;
  free: NativeFn<[NativePointer], void>;
  get_memory: NativeFn<[NativePointer], NativePointer>;
  memory_seq_rm: NativeFn<[NativePointer, number, number, number], boolean>;
  memory_seq_cp: NativeFn<[NativePointer, number, number, number, number], void>;
  memory_seq_pos_min: NativeFn<[NativePointer, number], number>;
  memory_clear: NativeFn<[NativePointer, boolean], void>;

  batch_init: NativeFn<[number, number, number], BatchValue>;
  batch_free: NativeFn<[BatchValue], void>;
  decode: NativeFn<[NativePointer, BatchValue], number>;
  get_logits_ith: NativeFn<[NativePointer, number], NativePointer>;
  get_embeddings_ith: NativeFn<[NativePointer, number], NativePointer | null>;

  vocab_n_tokens: NativeFn<[NativePointer], number>;
  vocab_bos: NativeFn<[NativePointer], number>;
  vocab_eos: NativeFn<[NativePointer], number>;
  vocab_eot: NativeFn<[NativePointer], number>;
  vocab_is_eog: NativeFn<[NativePointer, number], boolean>;
  vocab_get_text: NativeFn<[NativePointer, number], string>;
  vocab_get_add_bos: NativeFn<[NativePointer], boolean>;
  tokenize: NativeFn<[NativePointer, Buffer, number, Int32Array, number, boolean, boolean], number>;
  token_to_piece: NativeFn<[NativePointer, number, Buffer, number, number, boolean], number>;

  adapter_lora_init: NativeFn<[NativePointer, string], NativePointer | null>;
  adapter_lora_free: NativeFn<[NativePointer], void>;
  set_adapters_lora: NativeFn<[NativePointer, NativePointer[], number, Float32Array], number>;

  sampler_chain_init: NativeFn<[{ no_perf: boolean }], NativePointer>;
  sampler_chain_add: NativeFn<[NativePointer, NativePointer], void>;
  sampler_init_greedy: NativeFn<[], NativePointer>;
  sampler_init_dist: NativeFn<[number], NativePointer>;
  sampler_init_top_k: NativeFn<[number], NativePointer>;
  sampler_init_top_p: NativeFn<[number, number], NativePointer>;
  sampler_init_min_p: NativeFn<[number, number], NativePointer>;
  sampler_init_typical: NativeFn<[number, number], NativePointer>;
  sampler_init_temp: NativeFn<[number], NativePointer>;
  sampler_init_penalties: NativeFn<[number, number, number, number, number], NativePointer>;
  sampler_init_logit_bias: NativeFn<[number, number, { token: number; bias: number }[]], NativePointer>;
  sampler_init_grammar: NativeFn<[NativePointer, string, string], NativePointer | null>;
  sampler_sample: NativeFn<[NativePointer, NativePointer, number], number>;
  sampler_accept: NativeFn<[NativePointer, number], void>;
  sampler_free: NativeFn<[NativePointer], void>;
}

/** C prototypes, keyed by their LlamaApi name. `ggml_*` ones live in libggml, the rest in libllama. */
const PROTOTYPES: Record<keyof LlamaApi, string> = {
  backend_init: "void llama_backend_init()",
  log_set: "void llama_log_set(ggml_log_callback *cb, void *user_data)",
  ggml_backend_load_all_from_path: "void ggml_backend_load_all_from_path(const char *dir)",
  ggml_backend_load: "ggml_backend_reg *ggml_backend_load(const char *path)",
  ggml_backend_dev_count: "size_t ggml_backend_dev_count()",
  ggml_backend_dev_get: "ggml_backend_device *ggml_backend_dev_get(size_t index)",
  ggml_backend_dev_type: "int ggml_backend_dev_type(ggml_backend_device *dev)",
  ggml_backend_dev_name: "const char *ggml_backend_dev_name(ggml_backend_device *dev)",
  ggml_backend_dev_description: "const char *ggml_backend_dev_description(ggml_backend_device *dev)",
  ggml_backend_dev_by_type: "ggml_backend_device *ggml_backend_dev_by_type(int type)",
  ggml_backend_dev_backend_reg: "ggml_backend_reg *ggml_backend_dev_backend_reg(ggml_backend_device *dev)",
  ggml_backend_reg_get_proc_address:
    "void *ggml_backend_reg_get_proc_address(ggml_backend_reg *reg, const char *name)",
  ggml_threadpool_params_default: "ggml_threadpool_params ggml_threadpool_params_default(int n_threads)",
  ggml_quantize_chunk:
    "size_t ggml_quantize_chunk(int type, const float *src, void *dst, int64_t start, int64_t nrows, int64_t n_per_row, const float *imatrix)",
  ggml_row_size: "size_t ggml_row_size(int type, int64_t ne)",
  attach_threadpool:
    "void llama_attach_threadpool(llama_context *ctx, void *threadpool, void *threadpool_batch)",

  model_default_params: "llama_model_params llama_model_default_params()",
  context_default_params: "llama_context_params llama_context_default_params()",
  model_quantize_default_params: "llama_model_quantize_params llama_model_quantize_default_params()",
  sampler_chain_default_params: "llama_sampler_chain_params llama_sampler_chain_default_params()",

  model_load_from_file:
    "llama_model *llama_model_load_from_file(const char *path, llama_model_params params)",
  model_free: "void llama_model_free(llama_model *model)",
  model_quantize:
    "uint32_t llama_model_quantize(const char *inp, const char *out, const llama_model_quantize_params *params)",
  model_get_vocab: "const llama_vocab *llama_model_get_vocab(const llama_model *model)",
  model_n_ctx_train: "int32_t llama_model_n_ctx_train(const llama_model *model)",
  model_n_layer: "int32_t llama_model_n_layer(const llama_model *model)",
  model_n_swa: "int32_t llama_model_n_swa(const llama_model *model)",
  model_n_embd: "int32_t llama_model_n_embd(const llama_model *model)",
  model_desc: "int32_t llama_model_desc(const llama_model *model, _Out_ char *buf, size_t size)",
  model_size: "uint64_t llama_model_size(const llama_model *model)",
  model_n_params: "uint64_t llama_model_n_params(const llama_model *model)",
  model_meta_val_str:
    "int32_t llama_model_meta_val_str(const llama_model *model, const char *key, _Out_ char *buf, size_t size)",
  model_chat_template: "const char *llama_model_chat_template(const llama_model *model, const char *name)",

  init_from_model: "llama_context *llama_init_from_model(llama_model *model, llama_context_params params)",
  free: "void llama_free(llama_context *ctx)",
  get_memory: "llama_memory_i *llama_get_memory(const llama_context *ctx)",
  memory_seq_rm: "bool llama_memory_seq_rm(llama_memory_i *mem, int32_t seq, int32_t p0, int32_t p1)",
  memory_seq_cp:
    "void llama_memory_seq_cp(llama_memory_i *mem, int32_t src, int32_t dst, int32_t p0, int32_t p1)",
  memory_seq_pos_min: "int32_t llama_memory_seq_pos_min(llama_memory_i *mem, int32_t seq)",
  memory_clear: "void llama_memory_clear(llama_memory_i *mem, bool data)",

  batch_init: "llama_batch llama_batch_init(int32_t n_tokens, int32_t embd, int32_t n_seq_max)",
  batch_free: "void llama_batch_free(llama_batch batch)",
  decode: "int32_t llama_decode(llama_context *ctx, llama_batch batch)",
  get_logits_ith: "float *llama_get_logits_ith(llama_context *ctx, int32_t i)",
  get_embeddings_ith: "float *llama_get_embeddings_ith(llama_context *ctx, int32_t i)",

  vocab_n_tokens: "int32_t llama_vocab_n_tokens(const llama_vocab *vocab)",
  vocab_bos: "int32_t llama_vocab_bos(const llama_vocab *vocab)",
  vocab_eos: "int32_t llama_vocab_eos(const llama_vocab *vocab)",
  vocab_eot: "int32_t llama_vocab_eot(const llama_vocab *vocab)",
  vocab_is_eog: "bool llama_vocab_is_eog(const llama_vocab *vocab, int32_t token)",
  vocab_get_text: "const char *llama_vocab_get_text(const llama_vocab *vocab, int32_t token)",
  vocab_get_add_bos: "bool llama_vocab_get_add_bos(const llama_vocab *vocab)",
  tokenize:
    "int32_t llama_tokenize(const llama_vocab *vocab, const char *text, int32_t len, _Out_ int32_t *tokens, int32_t max, bool add_special, bool parse_special)",
  token_to_piece:
    "int32_t llama_token_to_piece(const llama_vocab *vocab, int32_t token, _Out_ char *buf, int32_t len, int32_t lstrip, bool special)",

  adapter_lora_init: "llama_adapter_lora *llama_adapter_lora_init(llama_model *model, const char *path)",
  adapter_lora_free: "void llama_adapter_lora_free(llama_adapter_lora *adapter)",
  set_adapters_lora:
    "int32_t llama_set_adapters_lora(llama_context *ctx, llama_adapter_lora **adapters, size_t n, float *scales)",

  sampler_chain_init: "llama_sampler *llama_sampler_chain_init(llama_sampler_chain_params params)",
  sampler_chain_add: "void llama_sampler_chain_add(llama_sampler *chain, llama_sampler *smpl)",
  sampler_init_greedy: "llama_sampler *llama_sampler_init_greedy()",
  sampler_init_dist: "llama_sampler *llama_sampler_init_dist(uint32_t seed)",
  sampler_init_top_k: "llama_sampler *llama_sampler_init_top_k(int32_t k)",
  sampler_init_top_p: "llama_sampler *llama_sampler_init_top_p(float p, size_t min_keep)",
  sampler_init_min_p: "llama_sampler *llama_sampler_init_min_p(float p, size_t min_keep)",
  sampler_init_typical: "llama_sampler *llama_sampler_init_typical(float p, size_t min_keep)",
  sampler_init_temp: "llama_sampler *llama_sampler_init_temp(float t)",
  sampler_init_penalties:
    "llama_sampler *llama_sampler_init_penalties(int32_t n_vocab, int32_t last_n, float repeat, float freq, float present)",
  sampler_init_logit_bias:
    "llama_sampler *llama_sampler_init_logit_bias(int32_t n_vocab, int32_t n, const llama_logit_bias *biases)",
  sampler_init_grammar:
    "llama_sampler *llama_sampler_init_grammar(const llama_vocab *vocab, const char *grammar_str, const char *grammar_root)",
  sampler_sample: "int32_t llama_sampler_sample(llama_sampler *smpl, llama_context *ctx, int32_t idx)",
  sampler_accept: "void llama_sampler_accept(llama_sampler *smpl, int32_t token)",
  sampler_free: "void llama_sampler_free(llama_sampler *smpl)",
};

/** Declares every function of {@link LlamaApi} on the loaded libraries. */
export function declareLlamaApi(llama: LibraryHandle, ggml: LibraryHandle): LlamaApi {
  const api: Record<string, unknown> = {};
  for (const [name, prototype] of Object.entries(PROTOTYPES)) {
    api[name] = (name.startsWith("ggml_") ? ggml : llama).func(prototype);
  }
  return api as unknown as LlamaApi;
}
