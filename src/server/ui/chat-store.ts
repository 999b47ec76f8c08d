/**
 * The web chat's history: conversations and their messages in SQLite (`$ATLAS_HOME/chat.db`, WAL,
 * synchronous=FULL: a committed change survives the process being killed, and a write cut short leaves
 * nothing behind). A conversation is a tree: an edited question or a regenerated answer is a sibling of
 * the message it replaces, and the sibling chosen last is the one shown ({@link ThreadMessage}). Every
 * message keeps its search keys (src/server/ui/search-keys.ts) so search works across spellings.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { AtlasError } from "../../core/index.js";
import { buildThread, type NodeRow } from "./chat-thread.js";
import { parseSearchQuery, searchKeys, skeletonMatches, type WordSkeleton } from "./search-keys.js";
import { snippetAround } from "./search-snippet.js";
import type {
  ChatNode,
  ConversationDetail,
  ConversationSettings,
  ConversationSummary,
  ExportFile,
  GenerationStats,
  SearchHit,
} from "./ui-api-types.js";

/** Schema version in `PRAGMA user_version`. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  model TEXT,
  settings TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  search_text TEXT NOT NULL,
  search_strict TEXT NOT NULL,
  search_loose TEXT NOT NULL
);
CREATE INDEX conversations_updated ON conversations (updated_at DESC);
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  parent_id TEXT REFERENCES messages (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL,
  model TEXT,
  stats TEXT,
  created_at INTEGER NOT NULL,
  selected INTEGER NOT NULL,
  search_text TEXT NOT NULL,
  search_strict TEXT NOT NULL,
  search_loose TEXT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id);
CREATE INDEX messages_parent ON messages (parent_id);
`;

/** Longest title kept; longer ones are cut. */
export const MAX_TITLE_CHARS = 200;
/** Characters of the first question that name a new conversation. */
const AUTO_TITLE_CHARS = 60;
/** Conversations a search returns at most. */
const MAX_SEARCH_HITS = 50;

interface ConversationRow {
  id: string;
  title: string;
  model: string | null;
  settings: string;
  created_at: number;
  updated_at: number;
  message_count: number;
}

/** A new message: the message it follows (null for a first question), its role and text. */
export interface NewMessage {
  parentId: string | null;
  role: "user" | "assistant";
  content: string;
  model?: string | null;
  stats?: GenerationStats | null;
}

/** Fields of a conversation that can change. */
export interface ConversationPatch {
  title?: string;
  model?: string | null;
  settings?: ConversationSettings;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function notFound(what: string, id: string): AtlasError {
  return new AtlasError("NOT_FOUND", `${what} '${id.slice(0, 64)}' not found`, {
    hint: "list conversations with GET /ui/api/conversations",
  });
}

function summaryOf(row: ConversationRow): ConversationSummary {
  return {
    id: row.id,
    title: row.title,
    model: row.model,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    messageCount: row.message_count,
  };
}

function nodeOf(row: NodeRow): ChatNode {
  return {
    id: row.id,
    parentId: row.parent_id,
    role: row.role,
    content: row.content,
    model: row.model,
    stats: row.stats === null ? null : (JSON.parse(row.stats) as GenerationStats),
    createdAt: iso(row.created_at),
  };
}

function autoTitle(content: string): string {
  const line = content.trim().split("\n")[0]!.trim().replace(/\s+/g, " ");
  const chars = [...line];
  return chars.length <= AUTO_TITLE_CHARS ? line : `${chars.slice(0, AUTO_TITLE_CHARS).join("")}…`;
}

/** Titles are one line of at most {@link MAX_TITLE_CHARS} characters. */
export function cleanTitle(title: string): string {
  return [...title.replace(/\s+/g, " ").trim()].slice(0, MAX_TITLE_CHARS).join("");
}

const CONVERSATION_COLUMNS = `c.id, c.title, c.model, c.settings, c.created_at, c.updated_at,
  (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count`;

/** The chat history database. Synchronous (better-sqlite3): each call is one short transaction. */
export class ChatStore {
  private readonly db: Database.Database;
  private lastQuery: { json: string; words: WordSkeleton[] } = { json: "[]", words: [] };
  private lastTime = 0;

  /** Opens (creating if needed) the database at `path`; ":memory:" for a throwaway one. */
  constructor(readonly path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma("busy_timeout = 5000");
      this.migrate();
    } catch (error) {
      throw new AtlasError("IO", `cannot open the chat history database`, {
        where: path,
        cause: error,
        hint: "check that $ATLAS_HOME is writable; move a damaged chat.db aside to start afresh",
      });
    }
    // Level 2 of search in SQL: one JS function, the same one the unit tests check.
    this.db.function("atlas_spelling_match", { deterministic: true }, (strict, loose, query) => {
      if (query !== this.lastQuery.json)
        this.lastQuery = { json: query as string, words: JSON.parse(query as string) as WordSkeleton[] };
      const keys = { strict: strict as string, loose: loose as string };
      const words = this.lastQuery.words;
      return words.length > 0 && words.every((w) => skeletonMatches(w, keys)) ? 1 : 0;
    });
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version > SCHEMA_VERSION)
      throw new AtlasError(
        "UNSUPPORTED",
        `chat.db has schema version ${version}; this atlas knows ${SCHEMA_VERSION}`,
        {
          hint: "upgrade atlas-chat",
        },
      );
    this.db.transaction(() => {
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

  /** Milliseconds now, strictly increasing: "most recently updated" never ties within a process. */
  private now(): number {
    this.lastTime = Math.max(Date.now(), this.lastTime + 1);
    return this.lastTime;
  }

  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Conversations, most recently updated first. */
  list(limit = 200): ConversationSummary[] {
    const rows = this.db
      .prepare(
        `SELECT ${CONVERSATION_COLUMNS} FROM conversations c ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?`,
      )
      .all(limit) as ConversationRow[];
    return rows.map(summaryOf);
  }

  /** Starts a conversation. */
  create(init: ConversationPatch = {}): ConversationDetail {
    const now = this.now();
    const id = this.insertConversation({
      title: init.title ?? "",
      model: init.model ?? null,
      settings: init.settings ?? {},
      createdAt: now,
      updatedAt: now,
    });
    return this.get(id);
  }

  private insertConversation(c: {
    title: string;
    model: string | null;
    settings: ConversationSettings;
    createdAt: number;
    updatedAt: number;
  }): string {
    const id = randomUUID();
    const title = cleanTitle(c.title);
    const keys = searchKeys(title);
    this.db
      .prepare(
        `INSERT INTO conversations (id, title, model, settings, created_at, updated_at, search_text, search_strict, search_loose)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        title,
        c.model,
        JSON.stringify(c.settings),
        c.createdAt,
        c.updatedAt,
        keys.text,
        keys.strict,
        keys.loose,
      );
    return id;
  }

  /** Inserts a message; `selected` undefined makes it the most recently selected of the conversation. */
  private insertMessage(
    conversationId: string,
    m: NewMessage & { createdAt: number; selected?: number },
  ): string {
    const id = randomUUID();
    const keys = searchKeys(m.content);
    this.db
      .prepare(
        `INSERT INTO messages (id, conversation_id, parent_id, role, content, model, stats, created_at, selected, search_text, search_strict, search_loose)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, (SELECT coalesce(max(selected), 0) + 1 FROM messages WHERE conversation_id = ?)), ?, ?, ?)`,
      )
      .run(
        id,
        conversationId,
        m.parentId,
        m.role,
        m.content,
        m.model ?? null,
        m.stats == null ? null : JSON.stringify(m.stats),
        m.createdAt,
        m.selected ?? null,
        conversationId,
        keys.text,
        keys.strict,
        keys.loose,
      );
    return id;
  }

  private row(id: string): ConversationRow {
    const row = this.db
      .prepare(`SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?`)
      .get(id) as ConversationRow | undefined;
    if (row === undefined) throw notFound("conversation", id);
    return row;
  }

  private nodes(conversationId: string): NodeRow[] {
    return this.db
      .prepare(
        `SELECT id, parent_id, role, content, model, stats, created_at, selected FROM messages
         WHERE conversation_id = ? ORDER BY created_at, rowid`,
      )
      .all(conversationId) as NodeRow[];
  }

  /** A conversation with its current thread. */
  get(id: string): ConversationDetail {
    const row = this.row(id);
    return {
      ...summaryOf(row),
      settings: JSON.parse(row.settings) as ConversationSettings,
      thread: buildThread(this.nodes(id)).map((t) => ({
        ...nodeOf(t.row),
        siblings: t.siblings,
        siblingIndex: t.siblingIndex,
      })),
    };
  }

  /** Renames a conversation or changes its model or settings. */
  update(id: string, patch: ConversationPatch): ConversationDetail {
    const row = this.row(id);
    const title = patch.title === undefined ? row.title : cleanTitle(patch.title);
    const keys = searchKeys(title);
    this.db
      .prepare(
        `UPDATE conversations SET title = ?, model = ?, settings = ?, updated_at = ?, search_text = ?, search_strict = ?, search_loose = ?
         WHERE id = ?`,
      )
      .run(
        title,
        patch.model === undefined ? row.model : patch.model,
        patch.settings === undefined ? row.settings : JSON.stringify(patch.settings),
        this.now(),
        keys.text,
        keys.strict,
        keys.loose,
        id,
      );
    return this.get(id);
  }

  /** Deletes a conversation and its messages. */
  remove(id: string): void {
    if (this.db.prepare(`DELETE FROM conversations WHERE id = ?`).run(id).changes === 0)
      throw notFound("conversation", id);
  }

  /**
   * Adds a message after `parentId` and makes it the one shown there (an edit or a regeneration when the
   * parent already has answers). Roles alternate, starting with the user: Gemma's template needs it. The
   * first question names an untitled conversation.
   */
  addMessage(conversationId: string, message: NewMessage): ChatNode {
    const id = this.transaction(() => {
      const conversation = this.row(conversationId);
      if (message.parentId === null) {
        if (message.role !== "user")
          throw new AtlasError("BAD_ARGUMENT", "a conversation starts with a user message", {
            details: { field: "role" },
          });
      } else {
        const parent = this.db
          .prepare(`SELECT role FROM messages WHERE id = ? AND conversation_id = ?`)
          .get(message.parentId, conversationId) as { role: string } | undefined;
        if (parent === undefined) throw notFound("message", message.parentId);
        if (parent.role === message.role)
          throw new AtlasError(
            "BAD_ARGUMENT",
            `a ${message.role} message cannot follow another ${parent.role} message`,
            {
              details: { field: "role" },
              hint: "roles alternate: user, assistant, user …",
            },
          );
      }
      const id = this.insertMessage(conversationId, { ...message, createdAt: this.now() });
      if (conversation.title === "" && message.role === "user" && message.content.trim() !== "")
        this.update(conversationId, { title: autoTitle(message.content) });
      this.touch(conversationId, message.model);
      return id;
    });
    return this.message(conversationId, id);
  }

  private touch(conversationId: string, model: string | null | undefined): void {
    this.db
      .prepare(`UPDATE conversations SET updated_at = ?, model = coalesce(?, model) WHERE id = ?`)
      .run(this.now(), model ?? null, conversationId);
  }

  private message(conversationId: string, id: string): ChatNode {
    const row = this.db
      .prepare(
        `SELECT id, parent_id, role, content, model, stats, created_at, selected FROM messages WHERE id = ? AND conversation_id = ?`,
      )
      .get(id, conversationId) as NodeRow | undefined;
    if (row === undefined) throw notFound("message", id);
    return nodeOf(row);
  }

  /** Replaces a message's text and/or stats (a streamed answer, saved when it ends or is stopped). */
  updateMessage(
    conversationId: string,
    id: string,
    patch: { content?: string; stats?: GenerationStats | null },
  ): ChatNode {
    this.transaction(() => {
      const current = this.message(conversationId, id);
      const content = patch.content ?? current.content;
      const keys = searchKeys(content);
      const stats = patch.stats === undefined ? current.stats : patch.stats;
      this.db
        .prepare(
          `UPDATE messages SET content = ?, stats = ?, search_text = ?, search_strict = ?, search_loose = ? WHERE id = ?`,
        )
        .run(content, stats === null ? null : JSON.stringify(stats), keys.text, keys.strict, keys.loose, id);
      this.touch(conversationId, undefined);
    });
    return this.message(conversationId, id);
  }

  /** Shows `id` instead of its siblings (flipping through alternatives). */
  select(conversationId: string, id: string): ConversationDetail {
    this.message(conversationId, id);
    this.db
      .prepare(
        `UPDATE messages SET selected = (SELECT max(selected) + 1 FROM messages WHERE conversation_id = ?) WHERE id = ?`,
      )
      .run(conversationId, id);
    return this.get(conversationId);
  }

  /**
   * Conversations whose title or any message (alternatives included) matches `query`: first those where
   * the normalized text occurs, then those where every query word matches a word's spelling skeleton
   * (docs/web.md § Search). Most recently updated first within each group.
   */
  search(query: string): SearchHit[] {
    const parsed = parseSearchQuery(query);
    if (parsed.text === "") return [];
    const hits = new Map<string, SearchHit>();
    type HitRow = ConversationRow & { message_id: string | null; content: string | null };
    const add = (rows: HitRow[], match: SearchHit["match"]): void => {
      for (const row of rows) {
        if (hits.has(row.id) || hits.size >= MAX_SEARCH_HITS) continue;
        const text = row.content ?? row.title;
        hits.set(row.id, {
          conversation: summaryOf(row),
          messageId: row.message_id,
          snippet: snippetAround(text, parsed),
          match,
        });
      }
    };
    const searchIn = (condition: (alias: string) => string, args: unknown[]): HitRow[] =>
      this.db
        .prepare(
          `SELECT ${CONVERSATION_COLUMNS}, NULL AS message_id, NULL AS content, 0 AS rank
             FROM conversations c WHERE ${condition("c")}
           UNION ALL
           SELECT ${CONVERSATION_COLUMNS}, m.id AS message_id, m.content AS content, 1 AS rank
             FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE ${condition("m")}
           ORDER BY updated_at DESC, rank, created_at`,
        )
        .all(...args, ...args) as HitRow[];
    add(
      searchIn((t) => `instr(${t}.search_text, ?) > 0`, [parsed.text]),
      "text",
    );
    if (parsed.words.length > 0)
      add(
        searchIn(
          (t) => `atlas_spelling_match(${t}.search_strict, ${t}.search_loose, ?)`,
          [JSON.stringify(parsed.words)],
        ),
        "spelling",
      );
    return [...hits.values()];
  }

  /** Conversations (all, or those of `ids`) with every message, as an export file. */
  exportConversations(ids?: readonly string[]): ExportFile {
    const rows =
      ids === undefined
        ? (this.db
            .prepare(`SELECT ${CONVERSATION_COLUMNS} FROM conversations c ORDER BY c.created_at, c.rowid`)
            .all() as ConversationRow[])
        : ids.map((id) => this.row(id));
    return {
      format: "atlas-chat/conversations",
      version: 1,
      exportedAt: new Date().toISOString(),
      conversations: rows.map((row) => ({
        id: row.id,
        title: row.title,
        model: row.model,
        createdAt: iso(row.created_at),
        updatedAt: iso(row.updated_at),
        settings: JSON.parse(row.settings) as ConversationSettings,
        messages: this.nodes(row.id).map((n) => ({ ...nodeOf(n), selected: n.selected })),
      })),
    };
  }

  /**
   * Adds the conversations of an export file (validated by parseExportFile: parents come first) under new ids, all
   * in one transaction. Returns the new ids in file order.
   */
  importConversations(file: ExportFile): string[] {
    return this.transaction(() =>
      file.conversations.map((conversation) => {
        const id = this.insertConversation({
          title: conversation.title,
          model: conversation.model,
          settings: conversation.settings,
          createdAt: Date.parse(conversation.createdAt),
          updatedAt: Date.parse(conversation.updatedAt),
        });
        const newIds = new Map<string, string>();
        for (const m of conversation.messages)
          newIds.set(
            m.id,
            this.insertMessage(id, {
              ...m,
              parentId: m.parentId === null ? null : newIds.get(m.parentId)!,
              createdAt: Date.parse(m.createdAt),
            }),
          );
        return id;
      }),
    );
  }
}
