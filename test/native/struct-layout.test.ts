/**
 * The hand-written struct layouts of src/native/llama-api.ts against the pinned llama.cpp release
 * (v0.5.0): sizes computed by hand from its headers for x86-64/arm64 (LP64), and every field of each
 * `*_default_params()` read back through our layout compared with the values in its source. A release
 * that adds, removes or reorders a field shifts what we read, and this test fails loudly instead of
 * llama.cpp receiving garbage.
 */
import koffi from "koffi";
import { describe, expect, it } from "vitest";
import {
  Batch,
  ContextParams,
  LogitBias,
  ModelParams,
  QuantizeParams,
  SamplerChainParams,
  ThreadpoolParams,
} from "../../src/native/llama-api.js";
import { loadLlama } from "../../src/native/load-llama.js";

const LP64 = process.arch === "x64" || process.arch === "arm64";

describe.runIf(LP64)("llama.cpp v0.5.0 struct layouts", () => {
  it("have the sizes of the C declarations", () => {
    expect(koffi.sizeof(ContextParams)).toBe(160);
    expect(koffi.sizeof(ModelParams)).toBe(80);
    expect(koffi.sizeof(QuantizeParams)).toBe(64);
    expect(koffi.sizeof(Batch)).toBe(56);
    expect(koffi.sizeof(ThreadpoolParams)).toBe(528);
    expect(koffi.sizeof(SamplerChainParams)).toBe(1);
    expect(koffi.sizeof(LogitBias)).toBe(8);
  });

  it("read llama_context_default_params() field by field", () => {
    const p = loadLlama("cpu").api.context_default_params() as Record<string, unknown>;
    expect(p).toEqual({
      n_ctx: 512,
      n_batch: 2048,
      n_ubatch: 512,
      n_seq_max: 1,
      n_rs_seq: 0,
      n_outputs_max: 0,
      n_outputs_max_per_seq: 1,
      n_threads: 4,
      n_threads_batch: 4,
      ctx_type: 0,
      rope_scaling_type: -1,
      pooling_type: -1,
      attention_type: -1,
      flash_attn_type: -1,
      rope_freq_base: 0,
      rope_freq_scale: 0,
      yarn_ext_factor: -1,
      yarn_attn_factor: -1,
      yarn_beta_fast: -1,
      yarn_beta_slow: -1,
      yarn_orig_ctx: 0,
      defrag_thold: -1,
      cb_eval: null,
      cb_eval_user_data: null,
      type_k: 1,
      type_v: 1,
      abort_callback: null,
      abort_callback_data: null,
      embeddings: false,
      offload_kqv: true,
      no_perf: true,
      op_offload: true,
      swa_full: true,
      kv_unified: false,
      samplers: null,
      n_samplers: 0,
      ctx_other: null,
    });
  });

  it("read llama_model_default_params() field by field", () => {
    const p = loadLlama("cpu").api.model_default_params() as Record<string, unknown>;
    expect(p).toEqual({
      devices: null,
      tensor_buft_overrides: null,
      n_gpu_layers: -1,
      split_mode: 1,
      load_mode: -1,
      lazy_mode: 1,
      main_gpu: 0,
      tensor_split: null,
      progress_callback: null,
      progress_callback_user_data: null,
      kv_overrides: null,
      vocab_only: false,
      check_tensors: false,
      use_extra_bufts: true,
      no_host: false,
      no_alloc: false,
      load_mtp: false,
    });
  });

  it("read llama_model_quantize_default_params() field by field", () => {
    const p = loadLlama("cpu").api.model_quantize_default_params() as Record<string, unknown>;
    expect(p).toEqual({
      nthread: 0,
      ftype: 7,
      output_tensor_type: 43,
      token_embedding_type: 43,
      allow_requantize: false,
      quantize_output_tensor: true,
      only_copy: false,
      pure: false,
      keep_split: false,
      dry_run: false,
      imatrix: null,
      kv_overrides: null,
      tt_overrides: null,
      prune_layers: null,
      max_buf_size: 8 * 1024 ** 3,
    });
  });

  it("read ggml_threadpool_params_default() and the sampler-chain defaults", () => {
    const api = loadLlama("cpu").api;
    const t = api.ggml_threadpool_params_default(3);
    expect({ ...t, cpumask: undefined }).toEqual({
      cpumask: undefined,
      n_threads: 3,
      prio: 0,
      poll: 50,
      strict_cpu: false,
      paused: false,
    });
    expect((t.cpumask as boolean[]).every((b) => !b)).toBe(true);
    expect(api.sampler_chain_default_params()).toEqual({ no_perf: true });
  });
});
