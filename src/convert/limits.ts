/**
 * Limits on untrusted model files (CWE-770: allocation without limits). Every size, count and offset read
 * from a file is checked against the file's real size and against these caps before anything is allocated.
 */

const MiB = 1024 * 1024;

/** safetensors JSON header cap: the format's reference implementation refuses headers over 100 MB. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100 * MiB;

/** Tensors per safetensors file; Gemma-2 27B has ~510 in all, so 100k is generous and still bounded. */
export const MAX_SAFETENSORS_TENSORS = 100_000;

/** safetensors shape rank; real checkpoints use ≤ 4, the format allows more but we need a bound. */
export const MAX_SAFETENSORS_DIMS = 8;

/** Shard files per checkpoint; HF shards are ≤ 5 GB each, so 10,000 covers 50 TB. */
export const MAX_SHARDS = 10_000;

/** JSON side files (config.json, tokenizer_config.json, index): real ones are < 1 MB (index ~ 50 KB). */
export const MAX_JSON_FILE_BYTES = 64 * MiB;

/** tokenizer.json: Gemma's is 17 MB; allow growth but keep it bounded. */
export const MAX_TOKENIZER_JSON_BYTES = 256 * MiB;

/** tokenizer.model (SentencePiece protobuf): Gemma's is 4.2 MB. */
export const MAX_TOKENIZER_MODEL_BYTES = 64 * MiB;

/** Vocabulary entries: Gemma has 256,000; 4M bounds the per-token arrays we allocate. */
export const MAX_VOCAB_SIZE = 4 * MiB;

/** GGUF tensors per file: a 27B Gemma-2 has 508; llama.cpp itself has no lower cap. */
export const MAX_GGUF_TENSORS = 1_000_000;

/** GGUF metadata key/value pairs: real files hold < 100. */
export const MAX_GGUF_KVS = 100_000;

/** One GGUF string (chat templates are the longest, a few KB to ~100 KB). */
export const MAX_GGUF_STRING_BYTES = 64 * MiB;

/** One GGUF array (vocabularies: 256k tokens; merge lists up to a few million). */
export const MAX_GGUF_ARRAY_LENGTH = 64 * MiB;

/** All GGUF metadata + tensor infos read into memory. */
export const MAX_GGUF_METADATA_BYTES = 1024 * MiB;

/** ggml's GGML_MAX_DIMS. */
export const GGML_MAX_DIMS = 4;

/** ggml's GGML_MAX_NAME is 64 including the terminating NUL. */
export const GGUF_MAX_TENSOR_NAME_BYTES = 63;

/** Bytes of one tensor read in full by {@link readGgufTensor} (tests, parity checks). */
export const MAX_TENSOR_READ_BYTES = 2048 * MiB;

/**
 * Working-set size of the converter: rows are converted in chunks of at most this many F32 bytes, so peak
 * memory stays flat whatever the model size (the 2B token_embd alone is 1.2 GB in BF16).
 */
export const CONVERT_CHUNK_BYTES = 16 * MiB;

/** Hyper-parameter sanity bounds (far above any Gemma-2; they only stop absurd allocations). */
export const MAX_HIDDEN_SIZE = 1 << 17;
export const MAX_LAYERS = 4096;
export const MAX_HEADS = 4096;
export const MAX_HEAD_DIM = 1 << 14;
export const MAX_FEED_FORWARD = 1 << 20;
export const MAX_CONTEXT_LENGTH = 1 << 26;
