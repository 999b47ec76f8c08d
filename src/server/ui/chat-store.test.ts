import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ChatStore } from "./chat-store.js";
import { parseExportFile } from "./ui-schemas.js";

const stores: ChatStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function scratchDb(): string {
  return join(mkdtempSync(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "chat-store-")), "chat.db");
}

function open(path = ":memory:"): ChatStore {
  const store = new ChatStore(path);
  stores.push(store);
  return store;
}

/** A conversation with one question and its answer. */
function exchange(
  store: ChatStore,
  question: string,
  answer: string,
): { id: string; user: string; reply: string } {
  const { id } = store.create();
  const user = store.addMessage(id, { parentId: null, role: "user", content: question }).id;
  const reply = store.addMessage(id, {
    parentId: user,
    role: "assistant",
    content: answer,
    model: "tiny",
    stats: { evalCount: 3, evalDurationNs: 1e9 },
  }).id;
  return { id, user, reply };
}

describe("ChatStore", () => {
  it("opens in WAL mode with the schema, and reopens what it wrote", () => {
    const path = scratchDb();
    const first = open(path);
    const { id } = exchange(first, "سلام، لاباس؟", "لاباس الحمد لله");
    first.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    const again = open(path);
    expect(again.get(id).thread.map((m) => m.content)).toEqual(["سلام، لاباس؟", "لاباس الحمد لله"]);
  });

  it("names a conversation after its first question, and renames it", () => {
    const store = open();
    const { id } = exchange(store, "  كيفاش نطيب الطاجين ديال الدجاج؟\nبالتفصيل", "…");
    expect(store.get(id).title).toBe("كيفاش نطيب الطاجين ديال الدجاج؟");
    expect(store.update(id, { title: "  طاجين\n  الدجاج " }).title).toBe("طاجين الدجاج");
    expect(store.list()[0]).toMatchObject({ id, title: "طاجين الدجاج", messageCount: 2, model: "tiny" });
  });

  it("lists conversations most recently updated first, and deletes them with their messages", () => {
    const store = open();
    const a = exchange(store, "a", "1");
    const b = exchange(store, "b", "2");
    store.addMessage(a.id, { parentId: a.reply, role: "user", content: "again" });
    expect(store.list().map((c) => c.id)).toEqual([a.id, b.id]);
    store.remove(a.id);
    expect(store.list().map((c) => c.id)).toEqual([b.id]);
    expect(() => store.get(a.id)).toThrow(/not found/);
    expect(() => store.remove(a.id)).toThrow(/not found/);
  });

  it("keeps regenerated answers as alternatives and flips between them", () => {
    const store = open();
    const { id, user, reply } = exchange(store, "q", "first answer");
    const second = store.addMessage(id, { parentId: user, role: "assistant", content: "second answer" });
    let thread = store.get(id).thread;
    expect(thread.map((m) => m.content)).toEqual(["q", "second answer"]);
    expect(thread[1]).toMatchObject({ siblings: [reply, second.id], siblingIndex: 1 });
    thread = store.select(id, reply).thread;
    expect(thread[1]).toMatchObject({ content: "first answer", siblingIndex: 0 });
  });

  it("keeps an edited question as a sibling with its own answers, and the path below each", () => {
    const store = open();
    const { id, user } = exchange(store, "q1", "a1");
    const edited = store.addMessage(id, { parentId: null, role: "user", content: "q1 edited" });
    store.addMessage(id, { parentId: edited.id, role: "assistant", content: "a1 edited" });
    expect(store.get(id).thread.map((m) => m.content)).toEqual(["q1 edited", "a1 edited"]);
    expect(store.select(id, user).thread.map((m) => m.content)).toEqual(["q1", "a1"]);
  });

  it("refuses messages that break the user/assistant alternation", () => {
    const store = open();
    const { id, user, reply } = exchange(store, "q", "a");
    expect(() => store.addMessage(id, { parentId: null, role: "assistant", content: "x" })).toThrow(
      /starts with a user message/,
    );
    expect(() => store.addMessage(id, { parentId: reply, role: "assistant", content: "x" })).toThrow(
      /cannot follow/,
    );
    expect(() => store.addMessage(id, { parentId: "nope", role: "user", content: "x" })).toThrow(/not found/);
    const other = store.create().id;
    expect(() => store.addMessage(other, { parentId: user, role: "assistant", content: "x" })).toThrow(
      /not found/,
    );
  });

  it("updates a streamed answer's text and stats", () => {
    const store = open();
    const { id, reply } = exchange(store, "q", "");
    const saved = store.updateMessage(id, reply, { content: "الجواب", stats: { doneReason: "aborted" } });
    expect(saved).toMatchObject({ content: "الجواب", stats: { doneReason: "aborted" } });
    expect(store.search("الجواب")[0]?.messageId).toBe(reply);
  });

  it("searches Arabic variants, Arabizi spellings and titles; text matches rank first", () => {
    const store = open();
    const arabic = exchange(store, "السلام، كيفاش نمشي لمراكش؟", "خود الطريق السيار، مزيانة بزّاف").id;
    const arabizi = exchange(store, "wach kayn chi train l marrakech?", "ah, kayn bzzaf dyal les trains").id;
    const other = exchange(store, "What is the capital of Morocco?", "Rabat.").id;
    store.update(other, { title: "Capitale du Maroc" });

    const ids = (q: string): string[] => store.search(q).map((h) => h.conversation.id);
    expect(ids("بزاف")).toEqual([arabic, arabizi]); // "بزّاف" by text, "bzzaf" by spelling
    expect(store.search("بزاف").map((h) => h.match)).toEqual(["text", "spelling"]);
    expect(ids("كيفَاش")).toEqual([arabic]);
    expect(ids("مزيانه")).toEqual([arabic]);
    expect(ids("kifach")).toEqual([arabic]);
    expect(ids("مراكش")).toEqual([arabic, arabizi]);
    expect(ids("capitale")).toEqual([other]);
    expect(store.search("capitale")[0]).toMatchObject({ messageId: null, snippet: "Capitale du Maroc" });
    expect(ids("tajine")).toEqual([]);
    expect(ids("  ")).toEqual([]);
    const hit = store.search("train")[0]!;
    expect(hit.snippet).toContain("train");
  });

  it("exports every message and imports it back under new ids, alternatives and choices kept", () => {
    const store = open();
    const { id, user } = exchange(store, "سؤال", "جواب 1");
    store.addMessage(id, { parentId: user, role: "assistant", content: "جواب 2" });
    store.update(id, { title: "محادثة", settings: { system: "جاوب بالدارجة", temperature: 0.3 } });
    const file = store.exportConversations();
    expect(file.conversations).toHaveLength(1);
    expect(file.conversations[0]!.messages).toHaveLength(3);

    const other = open();
    const [copy] = other.importConversations(parseExportFile(JSON.parse(JSON.stringify(file))));
    const imported = other.get(copy!);
    const original = store.get(id);
    expect(copy).not.toBe(id);
    expect(imported).toMatchObject({
      title: "محادثة",
      settings: { system: "جاوب بالدارجة", temperature: 0.3 },
      createdAt: original.createdAt,
    });
    expect(imported.thread.map((m) => [m.role, m.content, m.siblingIndex, m.siblings.length])).toEqual(
      original.thread.map((m) => [m.role, m.content, m.siblingIndex, m.siblings.length]),
    );
    expect(other.search("جواب")[0]?.conversation.id).toBe(copy);
  });

  it("imports all conversations of a file or none", () => {
    const store = open();
    exchange(store, "q", "a");
    const file = store.exportConversations();
    const broken = JSON.parse(JSON.stringify(file)) as typeof file;
    broken.conversations.push({ ...broken.conversations[0]!, messages: [] });
    broken.conversations[1]!.messages = [{ ...file.conversations[0]!.messages[1]!, parentId: null }];
    expect(() => parseExportFile(broken)).toThrow(/conversations\[1\]\.messages\[0\]\.role/);
    expect(store.list()).toHaveLength(1);
  });
});

describe("parseExportFile", () => {
  const message = (id: string, parentId: string | null, role: "user" | "assistant") => ({
    id,
    parentId,
    role,
    content: id,
    model: null,
    stats: null,
    createdAt: "2026-11-01T10:00:00.000Z",
    selected: 1,
  });
  const file = (messages: unknown[]) => ({
    format: "atlas-chat/conversations",
    version: 1,
    conversations: [
      {
        title: "t",
        model: null,
        createdAt: "2026-11-01T10:00:00.000Z",
        updatedAt: "2026-11-01T10:00:00.000Z",
        settings: {},
        messages,
      },
    ],
  });

  it("orders messages parents first", () => {
    const parsed = parseExportFile(file([message("b", "a", "assistant"), message("a", null, "user")]));
    expect(parsed.conversations[0]!.messages.map((m) => m.id)).toEqual(["a", "b"]);
  });

  it("names the field of what is wrong", () => {
    expect(() => parseExportFile({ format: "other" })).toThrow(/format/);
    expect(() => parseExportFile(file([message("a", "zz", "user")]))).toThrow(/messages\[0\]\.parentId/);
    expect(() => parseExportFile(file([message("a", "b", "user"), message("b", "a", "assistant")]))).toThrow(
      /own ancestor/,
    );
    expect(() => parseExportFile(file([message("a", null, "user"), message("a", null, "user")]))).toThrow(
      /same id/,
    );
    const hot = file([]);
    (hot.conversations[0]!.settings as Record<string, unknown>)["temperature"] = 99;
    expect(() => parseExportFile(hot)).toThrow(/temperature must be/);
  });
});
