/**
 * The page: top bar (menu, name, model, settings), conversations (inline-start side), the chat, the
 * settings drawer (inline-end side). The layout is written in logical CSS, so it mirrors when the UI
 * language is Darija (`<html dir="rtl">`). The open conversation is in the URL (`#c=<id>`): a reload
 * comes back to it.
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import {
  api,
  ApiError,
  setApiKey,
  type ConversationSettings,
  type ConversationSummary,
  type ModelTag,
  type UiConfig,
} from "./api.js";
import { Composer } from "./composer.js";
import { translator, uiDirection } from "./i18n.js";
import { MessageList } from "./message-list.js";
import { loadPrefs, savePrefs, type Prefs } from "./prefs.js";
import { SettingsPanel } from "./settings-panel.js";
import { Sidebar } from "./sidebar.js";
import { useChat } from "./use-chat.js";

/** Below this width the conversation list is a drawer (keep in sync with app.css). */
const NARROW = "(max-width: 760px)";

/** Does the media query match (kept up to date)? */
function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const list = matchMedia(query);
    const update = (): void => setMatches(list.matches);
    list.addEventListener("change", update);
    return () => list.removeEventListener("change", update);
  }, [query]);
  return matches;
}

function hashId(): string | null {
  const match = /^#c=([\w-]{1,64})$/.exec(location.hash);
  return match === null ? null : match[1]!;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** The whole page. */
export function App() {
  const [prefs, setPrefs] = useState<Prefs>(loadPrefs);
  const [config, setConfig] = useState<UiConfig | null>(null);
  const [models, setModels] = useState<ModelTag[]>([]);
  const [list, setList] = useState<ConversationSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [needKey, setNeedKey] = useState(false);
  const [drawer, setDrawer] = useState<"none" | "sidebar" | "settings">("none");
  const [searchFocus, setSearchFocus] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const narrow = useMedia(NARROW);
  const t = useMemo(() => translator(prefs.language), [prefs.language]);
  const uiDir = uiDirection(prefs.language);

  const updatePrefs = useCallback((patch: Partial<Prefs>) => {
    setPrefs((p) => {
      const next = { ...p, ...patch };
      savePrefs(next);
      return next;
    });
  }, []);

  const onError = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.status === 401) setNeedKey(true);
    else setError(e instanceof Error ? e.message : String(e));
  }, []);

  const refreshList = useCallback(() => {
    api.list().then(setList, onError);
  }, [onError]);

  const chat = useChat({
    config,
    defaults: () => ({ model: prefs.model || (models[0]?.name ?? ""), settings: prefs.settings }),
    onListChanged: refreshList,
    onError,
  });
  const { conversation } = chat;

  const load = useCallback(() => {
    api.config().then(setConfig, onError);
    api.models().then(setModels, onError);
    refreshList();
    void chat.open(hashId());
  }, [onError, refreshList, chat.open]);

  useEffect(load, [load]);

  useEffect(() => {
    const root = document.documentElement;
    root.lang = prefs.language;
    root.dir = uiDir;
    if (prefs.theme === "system") delete root.dataset["theme"];
    else root.dataset["theme"] = prefs.theme;
    document.title = conversation?.title ? `${conversation.title} — ${t("appName")}` : t("appName");
  }, [prefs.language, prefs.theme, uiDir, conversation?.title, t]);

  useEffect(() => {
    const id = conversation?.id ?? null;
    if (id !== hashId()) history.replaceState(null, "", id === null ? location.pathname : `#c=${id}`);
  }, [conversation?.id]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.shiftKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setDrawer("sidebar");
        setSearchFocus((n) => n + 1);
      } else if (mod && e.shiftKey && e.key.toLowerCase() === "o") {
        e.preventDefault();
        void chat.open(null);
        document.getElementById("composer-input")?.focus();
      } else if (e.key === "Escape") {
        if (chat.streaming !== null) chat.stop();
        else setDrawer("none");
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [chat]);

  const settings: ConversationSettings = conversation?.settings ?? prefs.settings;
  const onSettings = (next: ConversationSettings): void => {
    updatePrefs({ settings: next });
    if (conversation !== null)
      api.update(conversation.id, { settings: next }).then(chat.setConversation, onError);
  };
  const model = conversation?.model ?? (prefs.model || (models[0]?.name ?? ""));
  const onModel = (name: string): void => {
    updatePrefs({ model: name });
    if (conversation !== null)
      api.update(conversation.id, { model: name }).then(chat.setConversation, onError);
  };

  return (
    <div class="app" data-drawer={drawer}>
      <a class="skip-link" href="#composer-input">
        {t("skipToComposer")}
      </a>
      <header class="topbar">
        <button
          type="button"
          class="icon menu-button"
          aria-label={t("menu")}
          aria-expanded={drawer === "sidebar"}
          aria-controls="sidebar"
          onClick={() => setDrawer(drawer === "sidebar" ? "none" : "sidebar")}
        >
          <span aria-hidden="true">☰</span>
        </button>
        <h1 class="app-name">{t("appName")}</h1>
        <label class="model-picker">
          <span class="visually-hidden">{t("model")}</span>
          <select name="model" value={model} onChange={(e) => onModel(e.currentTarget.value)} dir="ltr">
            {models.length === 0 && <option value="">{t("noModels")}</option>}
            {models.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          class="action settings-button"
          aria-expanded={drawer === "settings"}
          aria-controls="settings"
          onClick={() => setDrawer(drawer === "settings" ? "none" : "settings")}
        >
          {t("settings")}
        </button>
      </header>
      <aside id="sidebar" class="sidebar" inert={narrow && drawer !== "sidebar"}>
        <Sidebar
          t={t}
          setting={prefs.direction}
          uiDir={uiDir}
          conversations={list}
          currentId={conversation?.id ?? null}
          searchFocus={searchFocus}
          onOpen={(id) => {
            setDrawer("none");
            void chat.open(id);
          }}
          onRename={(id, title) => {
            api.update(id, { title }).then((detail) => {
              if (detail.id === conversation?.id) chat.setConversation(detail);
              refreshList();
            }, onError);
          }}
          onDelete={(id) => {
            api.remove(id).then(() => {
              if (id === conversation?.id) void chat.open(null);
              refreshList();
            }, onError);
          }}
          onImported={(n) => {
            setError(null);
            refreshList();
            setNotice(t("imported", { n }));
          }}
          onError={onError}
        />
      </aside>
      <main class="chat">
        {error !== null && (
          <div class="banner error" role="alert">
            <span>{error}</span>
            <button type="button" class="action" onClick={() => setError(null)}>
              {t("close")}
            </button>
          </div>
        )}
        {notice !== null && (
          <div class="banner" role="status">
            <span>{notice}</span>
            <button type="button" class="action" onClick={() => setNotice(null)}>
              {t("close")}
            </button>
          </div>
        )}
        {needKey && (
          <form
            class="banner"
            onSubmit={(e) => {
              e.preventDefault();
              const input = e.currentTarget.elements.namedItem("apiKey") as HTMLInputElement;
              setApiKey(input.value.trim());
              setNeedKey(false);
              load();
            }}
          >
            <label>
              <span>{t("apiKey")}</span>
              <input name="apiKey" type="password" autoComplete="off" dir="ltr" />
            </label>
            <button type="submit" class="primary">
              {t("save")}
            </button>
          </form>
        )}
        <MessageList
          conversation={conversation}
          streaming={chat.streaming}
          t={t}
          setting={prefs.direction}
          uiDir={uiDir}
          onCopy={copyText}
          onRegenerate={(m) => void chat.regenerate(m)}
          onEdit={(m, text) => void chat.editAndResend(m, text)}
          onSelect={(id) => void chat.select(id)}
        />
        <Composer
          t={t}
          presets={config?.presets ?? []}
          setting={prefs.direction}
          uiDir={uiDir}
          streaming={chat.streaming !== null}
          disabled={model === ""}
          onSend={(text) => void chat.send(text)}
          onStop={chat.stop}
        />
      </main>
      <aside id="settings" class="settings" aria-label={t("settings")} hidden={drawer !== "settings"}>
        <SettingsPanel
          t={t}
          config={config}
          settings={settings}
          onSettings={onSettings}
          language={prefs.language}
          onLanguage={(language) => updatePrefs({ language })}
          theme={prefs.theme}
          onTheme={(theme) => updatePrefs({ theme })}
          direction={prefs.direction}
          onDirection={(direction) => updatePrefs({ direction })}
          onClose={() => setDrawer("none")}
        />
      </aside>
      <div class="scrim" aria-hidden="true" onClick={() => setDrawer("none")} />
    </div>
  );
}
