/**
 * Training recipes `atlas train config` can write. Every value says where it comes from: "card" for what
 * the Atlas-Chat model card / paper states (as recorded in this project's notes and issue #12: LoRA rank
 * 256, transformers + PEFT, FSDP on 8×A100, sequences of at most 2048 tokens, the Darija-SFT-Mixture),
 * "atlas" for a choice of ours that the card does not state. The generated files print the difference in
 * their comments: nothing unverified is presented as the authors' setting.
 */

/** Where a recipe value comes from. */
export type RecipeSource = "card" | "atlas";

/** One hyper-parameter. */
export interface RecipeValue<T> {
  value: T;
  source: RecipeSource;
  /** Why, in one line. */
  note: string;
}

/** The hyper-parameters of a LoRA SFT run. */
export interface LoraRecipe {
  name: string;
  description: string;
  loraRank: RecipeValue<number>;
  loraAlpha: RecipeValue<number>;
  loraDropout: RecipeValue<number>;
  targetModules: RecipeValue<string[]>;
  maxLength: RecipeValue<number>;
  gpus: RecipeValue<number>;
  distributed: RecipeValue<"fsdp">;
  learningRate: RecipeValue<number>;
  epochs: RecipeValue<number>;
  perDeviceBatchSize: RecipeValue<number>;
  gradientAccumulation: RecipeValue<number>;
  scheduler: RecipeValue<string>;
  warmupRatio: RecipeValue<number>;
  precision: RecipeValue<"bf16">;
  gradientCheckpointing: RecipeValue<boolean>;
}

const card = <T>(value: T, note: string): RecipeValue<T> => ({ value, source: "card", note });
const atlas = <T>(value: T, note: string): RecipeValue<T> => ({ value, source: "atlas", note });

/** The recipe of the Atlas-Chat models, as far as it is published. */
export const ATLAS_CHAT_LORA: LoraRecipe = {
  name: "atlas-chat-lora",
  description: "LoRA SFT of a Gemma-2 (Atlas-Chat) model on tokenized Darija chat data, multi-GPU with FSDP",
  loraRank: card(256, "LoRA rank 256, as the card states"),
  loraAlpha: atlas(
    256,
    "not in our notes: alpha = r (scale 1) is a neutral starting point — check the paper",
  ),
  loraDropout: atlas(0.05, "not in our notes: a common PEFT value"),
  targetModules: atlas(
    ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "not in our notes: every attention and MLP projection (what atlas lora convert handles)",
  ),
  maxLength: card(2048, "sequences of at most 2048 tokens, as the card states"),
  gpus: card(8, "8 GPUs (A100) with FSDP, as the card states"),
  distributed: card("fsdp", "FSDP, as the card states"),
  learningRate: atlas(1e-4, "not in our notes: a usual LoRA learning rate — tune it"),
  epochs: atlas(2, "not in our notes"),
  perDeviceBatchSize: atlas(
    4,
    "not in our notes: fits 2048-token rows of the 2B on 40-80 GB GPUs with checkpointing",
  ),
  gradientAccumulation: atlas(4, "not in our notes: 8 GPUs × 4 × 4 = 128 rows per step"),
  scheduler: atlas("cosine", "not in our notes"),
  warmupRatio: atlas(0.03, "not in our notes"),
  precision: atlas("bf16", "not in our notes: A100s train in bf16 and Gemma-2 was released in bf16"),
  gradientCheckpointing: atlas(true, "not in our notes: needed for 2048-token batches of the larger models"),
};

/** Recipes by name. */
export const RECIPES: Readonly<Record<string, LoraRecipe>> = { [ATLAS_CHAT_LORA.name]: ATLAS_CHAT_LORA };

/** `# card: …` / `# atlas choice, unverified: …` — the comment every generated value carries. */
export function provenance(value: RecipeValue<unknown>): string {
  return value.source === "card"
    ? `from the Atlas-Chat card as quoted in atlas's notes (not re-checked here): ${value.note}`
    : `atlas choice, NOT from the card — ${value.note}`;
}
