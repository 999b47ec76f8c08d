/**
 * The JSON of the web chat's REST API under `/ui/api/…` (docs/web.md § REST API). Types only: the page
 * in `web/` imports them with `import type`, so both sides of the wire agree at compile time.
 */

/** What one generated answer cost, from the final `/api/chat` line. */
export interface GenerationStats {
  /** Generated tokens (`eval_count`). */
  evalCount?: number;
  /** Time spent generating them, ns (`eval_duration`). */
  evalDurationNs?: number;
  /** Prompt tokens (`prompt_eval_count`). */
  promptEvalCount?: number;
  /** Whole request, ns (`total_duration`). */
  totalDurationNs?: number;
  /** `stop`, `length`, or `aborted` when the user pressed Stop. */
  doneReason?: string;
  /** Set when the generation failed: the server's message. */
  error?: string;
}

/** Per-conversation settings the page sends with each `/api/chat` request. */
export interface ConversationSettings {
  /** System prompt (Gemma folds it into the first user turn). Default "". */
  system?: string;
  /** Sampling temperature; the model's default when absent. */
  temperature?: number;
  /** Nucleus sampling; the model's default when absent. */
  topP?: number;
  /** New tokens at most (`num_predict`); unlimited when absent. */
  maxTokens?: number;
  /** Greedy decoding with a fixed seed: the same question gives the same answer. */
  deterministic?: boolean;
}

/** A conversation in lists. Dates are ISO 8601. */
export interface ConversationSummary {
  id: string;
  /** "" until the first message names it (the page then shows its own "New chat"). */
  title: string;
  /** The model last used, or null. */
  model: string | null;
  createdAt: string;
  updatedAt: string;
  /** Messages stored, alternatives included. */
  messageCount: number;
}

/** A message as stored: a node of the conversation's tree (edits and regenerations are siblings). */
export interface ChatNode {
  id: string;
  /** The message it answers or follows; null for a first user message. */
  parentId: string | null;
  role: "user" | "assistant";
  content: string;
  /** Model that wrote an assistant message. */
  model: string | null;
  stats: GenerationStats | null;
  createdAt: string;
}

/** A message on the conversation's current path, with its alternatives (siblings, oldest first). */
export interface ThreadMessage extends ChatNode {
  /** Ids of every alternative at this point, this one included. */
  siblings: string[];
  /** This message's position among `siblings`. */
  siblingIndex: number;
}

/** A conversation with its current path of messages. */
export interface ConversationDetail extends ConversationSummary {
  settings: ConversationSettings;
  thread: ThreadMessage[];
}

/** One conversation found by a search. */
export interface SearchHit {
  conversation: ConversationSummary;
  /** The first matching message, or null when only the title matched. */
  messageId: string | null;
  /** A few words around the match. */
  snippet: string;
  /** `text`: the normalized text matched; `spelling`: a spelling variant (Arabizi ⇄ Arabic script). */
  match: "text" | "spelling";
}

/** A message in an export file: a {@link ChatNode} and its rank among its siblings. */
export interface ExportedMessage extends ChatNode {
  /** The sibling with the highest value is the one shown. */
  selected: number;
}

/** A conversation in an export file: every message, alternatives included. */
export interface ExportedConversation extends Omit<ConversationSummary, "messageCount"> {
  settings: ConversationSettings;
  messages: ExportedMessage[];
}

/** The export/import file (`GET /ui/api/export`, `POST /ui/api/import`). */
export interface ExportFile {
  format: "atlas-chat/conversations";
  version: 1;
  exportedAt: string;
  conversations: ExportedConversation[];
}

/** A one-click task: the CLI's prompt around the user's text (`before` + text + `after`). */
export interface TaskPreset {
  id: string;
  kind: "translate" | "transliterate" | "summarize" | "explain";
  /** Translation or transliteration target (`darija`, `msa`, `en`, `fr`, `arabizi`, `arabic`). */
  target?: string;
  before: string;
  after: string;
}

/** `GET /ui/api/config`: what the page needs from the server besides the models. */
export interface UiConfig {
  presets: TaskPreset[];
  /** The engine's sampling defaults (what a request without the option gets). */
  sampling: { temperature: number; topP: number };
  /** Seed sent with deterministic requests (with temperature 0). */
  deterministicSeed: number;
}
