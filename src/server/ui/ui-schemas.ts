/**
 * Validation of the `/ui/api` request bodies and of import files (untrusted input): zod schemas for the
 * shapes, the request contract (src/core/request.ts) for the sampling ranges, and tree checks for
 * imported conversations. A failure is `AtlasError("BAD_ARGUMENT")` naming the field's path.
 */
import { z } from "zod";
import { AtlasError, validateGenerateOptions } from "../../core/index.js";
import type { ConversationPatch, NewMessage } from "./chat-store.js";
import type { ExportFile, GenerationStats } from "./ui-api-types.js";

/** Limits of one import file (CWE-770): generous for a real history, bounded for a hostile file. */
export const IMPORT_LIMITS = {
  conversations: 10_000,
  messagesPerConversation: 20_000,
  messageChars: 4 * 1024 * 1024,
} as const;

const settingsSchema = z
  .object({
    system: z.string().max(IMPORT_LIMITS.messageChars).optional(),
    temperature: z.number().optional(),
    topP: z.number().optional(),
    maxTokens: z.number().optional(),
    deterministic: z.boolean().optional(),
  })
  .strict();

const statsSchema = z
  .object({
    evalCount: z.number().int().nonnegative().optional(),
    evalDurationNs: z.number().nonnegative().optional(),
    promptEvalCount: z.number().int().nonnegative().optional(),
    totalDurationNs: z.number().nonnegative().optional(),
    doneReason: z.string().max(64).optional(),
    error: z.string().max(4096).optional(),
  })
  .strict();

const role = z.enum(["user", "assistant"]);
const content = z.string().max(IMPORT_LIMITS.messageChars);
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "a date (ISO 8601)");

const patchSchema = z
  .object({
    title: z.string().max(4096).optional(),
    model: z.string().max(512).nullable().optional(),
    settings: settingsSchema.optional(),
  })
  .strict();

const newMessageSchema = z
  .object({
    parentId: z.string().max(64).nullable(),
    role,
    content,
    model: z.string().max(512).nullable().optional(),
    stats: statsSchema.nullable().optional(),
  })
  .strict();

const messagePatchSchema = z
  .object({ content: content.optional(), stats: statsSchema.nullable().optional() })
  .strict();

const exportFileSchema = z
  .object({
    format: z.literal("atlas-chat/conversations"),
    version: z.literal(1),
    exportedAt: z.string().optional(),
    conversations: z
      .array(
        z
          .object({
            id: z.string().max(64).optional(),
            title: z.string().max(4096),
            model: z.string().max(512).nullable(),
            createdAt: isoDate,
            updatedAt: isoDate,
            settings: settingsSchema,
            messages: z
              .array(
                z
                  .object({
                    id: z.string().min(1).max(64),
                    parentId: z.string().max(64).nullable(),
                    role,
                    content,
                    model: z.string().max(512).nullable(),
                    stats: statsSchema.nullable(),
                    createdAt: isoDate,
                    selected: z.number().int().nonnegative(),
                  })
                  .strict(),
              )
              .max(IMPORT_LIMITS.messagesPerConversation),
          })
          .strict(),
      )
      .max(IMPORT_LIMITS.conversations),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
  throw new AtlasError("BAD_ARGUMENT", `${what}: ${field === "" ? "" : `${field}: `}${issue.message}`, {
    details: { field: field === "" ? "body" : field },
  });
}

/** Sampling settings must be what `/api/chat` accepts: the request contract decides. */
function checkSettings(
  settings:
    | { temperature?: number | undefined; topP?: number | undefined; maxTokens?: number | undefined }
    | undefined,
  where: string,
): void {
  if (settings === undefined) return;
  const { temperature, topP, maxTokens } = settings;
  validateGenerateOptions(
    {
      ...(temperature === undefined ? {} : { temperature }),
      ...(topP === undefined ? {} : { topP }),
      ...(maxTokens === undefined ? {} : { maxTokens }),
    },
    { where },
  );
}

/** `T` without explicit undefined values (zod's optional fields have them; exactOptionalPropertyTypes not). */
type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** Drops keys whose value is undefined. */
function defined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}

/** A body that creates or changes a conversation. */
export function parseConversationPatch(body: unknown): ConversationPatch {
  const patch = parse(patchSchema, body, "conversation");
  checkSettings(patch.settings, "settings");
  return defined({
    ...patch,
    ...(patch.settings === undefined ? {} : { settings: defined(patch.settings) }),
  }) as ConversationPatch;
}

/** A body that adds a message. */
export function parseNewMessage(body: unknown): NewMessage {
  const message = parse(newMessageSchema, body, "message");
  return defined({
    ...message,
    ...(message.stats == null ? {} : { stats: defined(message.stats) }),
  }) as NewMessage;
}

/** A body that changes a message. */
export function parseMessagePatch(body: unknown): { content?: string; stats?: GenerationStats | null } {
  const patch = parse(messagePatchSchema, body, "message");
  return defined({
    ...patch,
    ...(patch.stats == null ? {} : { stats: defined(patch.stats) }),
  }) as { content?: string; stats?: GenerationStats | null };
}

/**
 * An import file: its shape, then each conversation's tree — ids unique, every parent present, roles
 * alternating from a user message. Messages come back parents first (the order the store inserts them).
 */
export function parseExportFile(body: unknown): ExportFile {
  const file = parse(exportFileSchema, body, "import file");
  const conversations = file.conversations.map((conversation, c) => {
    const at = `conversations[${c}]`;
    checkSettings(conversation.settings, `${at}.settings`);
    const byId = new Map(conversation.messages.map((m) => [m.id, m]));
    if (byId.size !== conversation.messages.length)
      throw new AtlasError("BAD_ARGUMENT", `import file: ${at}.messages has two messages with the same id`, {
        details: { field: `${at}.messages` },
      });
    type Message = (typeof conversation.messages)[number];
    const index = new Map(conversation.messages.map((m, i) => [m.id, i]));
    const fail = (i: number, suffix: string, message: string): never => {
      const field = `${at}.messages[${i}]${suffix}`;
      throw new AtlasError("BAD_ARGUMENT", `import file: ${field} ${message}`, { details: { field } });
    };
    const ordered: Message[] = [];
    const placed = new Set<string>();
    for (const first of conversation.messages) {
      // Walk up to a placed ancestor (or the root), then place the chain top-down: O(messages) in all.
      const chain: Message[] = [];
      const seen = new Set<string>();
      for (let m: Message | undefined = first; m !== undefined && !placed.has(m.id);) {
        const i = index.get(m.id)!;
        if (seen.has(m.id)) fail(i, "", "is its own ancestor");
        seen.add(m.id);
        chain.push(m);
        if (m.parentId === null) {
          if (m.role !== "user") fail(i, ".role", "starts the conversation but is not the user's");
          m = undefined;
        } else {
          const parent = byId.get(m.parentId);
          if (parent === undefined) fail(i, ".parentId", "names no message of this conversation");
          if (parent!.role === m.role) fail(i, ".role", "has the same role as its parent");
          m = parent;
        }
      }
      for (const m of chain.reverse()) {
        placed.add(m.id);
        ordered.push(m);
      }
    }
    return {
      ...conversation,
      settings: defined(conversation.settings),
      messages: ordered.map((m) => ({ ...m, stats: m.stats === null ? null : defined(m.stats) })),
    };
  });
  return { ...file, exportedAt: file.exportedAt ?? new Date().toISOString(), conversations } as ExportFile;
}
