/**
 * Conversations: new, search (Arabic variants and Arabizi spellings, done by the server), open, rename,
 * delete (asked twice), export all as JSON, import a JSON file.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type ConversationSummary, type SearchHit } from "./api.js";
import { blockDir, type Direction, type DirectionSetting } from "./direction.js";
import type { Translate } from "./i18n.js";

/** Pause after the last keystroke before searching, ms. */
const SEARCH_DELAY_MS = 200;

/** Props of {@link Sidebar}. */
export interface SidebarProps {
  t: Translate;
  setting: DirectionSetting;
  uiDir: Direction;
  conversations: ConversationSummary[];
  currentId: string | null;
  /** Bumped by the page when Ctrl+K asks for the search box. */
  searchFocus: number;
  onOpen: (id: string | null) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
  onImported: (count: number) => void;
  onError: (error: unknown) => void;
}

function Item(props: {
  t: Translate;
  conversation: ConversationSummary;
  current: boolean;
  snippet?: SearchHit | undefined;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
}) {
  const { t, conversation, snippet } = props;
  const [mode, setMode] = useState<"view" | "rename" | "delete">("view");
  const [title, setTitle] = useState(conversation.title);
  const shown = conversation.title === "" ? t("newChat") : conversation.title;
  if (mode === "rename")
    return (
      <li class="conversation editing">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            props.onRename(conversation.id, title);
            setMode("view");
          }}
        >
          <input
            class="rename-input"
            aria-label={t("renameTo")}
            dir="auto"
            value={title}
            ref={(el) => el?.focus()}
            onInput={(e) => setTitle(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.stopPropagation();
                setMode("view");
              }
            }}
          />
          <button type="submit" class="action">
            {t("save")}
          </button>
        </form>
      </li>
    );
  return (
    <li class={`conversation${props.current ? " current" : ""}`} data-conversation-id={conversation.id}>
      <button
        type="button"
        class="open"
        aria-current={props.current ? "page" : undefined}
        onClick={() => props.onOpen(conversation.id)}
      >
        {/* Aligned on the list's side; each text ordered by its own direction (bdi isolates it). */}
        <span class="title">
          <bdi>{shown}</bdi>
        </span>
        {snippet !== undefined && snippet.messageId !== null && (
          <span class="snippet">
            <bdi>{snippet.snippet}</bdi>
          </span>
        )}
        {snippet?.match === "spelling" && <span class="badge">{t("spellingMatch")}</span>}
      </button>
      {mode === "delete" ? (
        <span class="confirm" role="group" aria-label={t("confirmDelete")}>
          <span>{t("confirmDelete")}</span>
          <button type="button" class="action danger" onClick={() => props.onDelete(conversation.id)}>
            {t("yes")}
          </button>
          <button type="button" class="action" ref={(el) => el?.focus()} onClick={() => setMode("view")}>
            {t("no")}
          </button>
        </span>
      ) : (
        <span class="item-actions">
          <button
            type="button"
            class="action"
            aria-label={`${t("rename")}: ${shown}`}
            onClick={() => {
              setTitle(conversation.title);
              setMode("rename");
            }}
          >
            {t("rename")}
          </button>
          <button
            type="button"
            class="action"
            aria-label={`${t("delete")}: ${shown}`}
            onClick={() => setMode("delete")}
          >
            {t("delete")}
          </button>
        </span>
      )}
    </li>
  );
}

async function download(t: Translate): Promise<void> {
  const file = await api.exportAll();
  const url = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `atlas-chat-${file.exportedAt.slice(0, 10)}.json`;
  link.title = t("export");
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

/** The conversation list. */
export function Sidebar(props: SidebarProps) {
  const { t } = props;
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<{ query: string; hits: SearchHit[] } | null>(null);
  const hits = results?.hits ?? null;
  const searchBox = useRef<HTMLInputElement>(null);
  const importInput = useRef<HTMLInputElement>(null);
  const { onError } = props;

  useEffect(() => {
    if (props.searchFocus > 0) searchBox.current?.focus();
  }, [props.searchFocus]);

  useEffect(() => {
    if (query.trim() === "") {
      setResults(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.search(query).then(
        (found) => live && setResults({ query, hits: found }),
        (error: unknown) => live && onError(error),
      );
    }, SEARCH_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query, props.conversations, onError]);

  const items: { conversation: ConversationSummary; hit?: SearchHit }[] =
    hits === null
      ? props.conversations.map((c) => ({ conversation: c }))
      : hits.map((h) => ({ conversation: h.conversation, hit: h }));
  return (
    <nav class="sidebar-inner" aria-label={t("conversations")}>
      <button type="button" class="new-chat primary" onClick={() => props.onOpen(null)}>
        {t("newChat")}
      </button>
      <div class="search" role="search">
        <input
          ref={searchBox}
          type="search"
          class="search-input"
          dir={blockDir(query, props.setting, props.uiDir)}
          aria-label={t("search")}
          placeholder={t("searchPlaceholder")}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape" && query !== "") {
              e.stopPropagation();
              setQuery("");
            }
          }}
        />
      </div>
      <ul
        class="conversation-list"
        aria-live={hits === null ? undefined : "polite"}
        data-results-for={results?.query}
      >
        {hits !== null && hits.length === 0 && <li class="muted">{t("noResults")}</li>}
        {items.map((item) => (
          <Item
            key={item.conversation.id}
            t={t}
            conversation={item.conversation}
            current={item.conversation.id === props.currentId}
            snippet={item.hit}
            onOpen={props.onOpen}
            onRename={props.onRename}
            onDelete={props.onDelete}
          />
        ))}
      </ul>
      <div class="sidebar-footer">
        <button type="button" class="action" onClick={() => void download(t).catch(onError)}>
          {t("export")}
        </button>
        <button type="button" class="action" onClick={() => importInput.current?.click()}>
          {t("import")}
        </button>
        <input
          ref={importInput}
          type="file"
          accept="application/json,.json"
          class="visually-hidden"
          tabIndex={-1}
          aria-label={t("import")}
          onChange={(e) => {
            const input = e.currentTarget;
            const file = input.files?.[0];
            if (file === undefined) return;
            void file
              .text()
              .then((text) => api.importFile(JSON.parse(text) as unknown))
              .then((result) => props.onImported(result.imported), onError)
              .finally(() => (input.value = ""));
          }}
        />
      </div>
    </nav>
  );
}
