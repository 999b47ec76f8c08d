/**
 * The fine-tuning side: Darija SFT data for TRL / axolotl (`buildSftData`, `readSftStats`), PEFT LoRA
 * adapters → GGUF (`convertPeftAdapter`), merging an adapter into a model (`mergeLora`), and training
 * configs for multi-GPU runs elsewhere (`writeTrainConfig`). Training itself runs on a real trainer.
 */
export { buildSftData, BUILD_OUTPUTS } from "./data/build-sft-data.js";
export type { BuildProgress, BuildSftOptions, BuildSftResult } from "./data/build-sft-data.js";
export type { SftStats, SourceCounts, SplitStats, LengthStats, LengthBin } from "./data/build-stats.js";
export { readSftStats } from "./data/read-sft-stats.js";
export type { SftStatsReport } from "./data/read-sft-stats.js";
export { IGNORE_INDEX, sftColumns } from "./data/sft-columns.js";
export { openTokenizer, TOKENIZER_FILES } from "./tokenizer/open-tokenizer.js";
export type { ModelTokenizer, OpenTokenizerOptions } from "./tokenizer/open-tokenizer.js";
export { VocabTokenizer } from "./tokenizer/vocab-tokenizer.js";
export type { VocabSpecials } from "./tokenizer/vocab-tokenizer.js";
export { ConversationTokenizer } from "./data/tokenize-conversation.js";
export type { TokenizedSample, TokenizeOutcome } from "./data/tokenize-conversation.js";
export { convertPeftAdapter } from "./lora/convert-peft-adapter.js";
export type { ConvertPeftOptions, ConvertPeftResult } from "./lora/convert-peft-adapter.js";
export { LORA_OUTPUT_TYPES } from "./lora/float-matrix.js";
export type { LoraOutputType } from "./lora/float-matrix.js";
export { mergeLora } from "./lora/merge-lora.js";
export type { MergeLoraOptions, MergeLoraResult } from "./lora/merge-lora.js";
export { readLoraGguf } from "./lora/lora-gguf.js";
export type { LoraGguf, LoraGgufPair } from "./lora/lora-gguf.js";
export { writeTrainConfig, TRAIN_CONFIG_FILES } from "./train/write-train-config.js";
export type { TrainConfigOptions, TrainConfigResult } from "./train/write-train-config.js";
export { ATLAS_CHAT_LORA, RECIPES } from "./train/recipes.js";
export type { LoraRecipe, RecipeValue } from "./train/recipes.js";
