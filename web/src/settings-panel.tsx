/**
 * Settings: the conversation's system prompt and sampling (saved with it; new conversations start from
 * the last ones used), and the page's language, theme and text direction. Empty number fields mean "the
 * server's default"; the server checks ranges (the request contract) and the page shows its message.
 */
import type { ConversationSettings, UiConfig } from "./api.js";
import type { DirectionSetting } from "./direction.js";
import { Fragment } from "preact";
import { UI_LANGUAGES, type LabelKey, type Translate, type UiLanguage } from "./i18n.js";
import type { Theme } from "./prefs.js";

/** Props of {@link SettingsPanel}. */
export interface SettingsPanelProps {
  t: Translate;
  config: UiConfig | null;
  settings: ConversationSettings;
  onSettings: (settings: ConversationSettings) => void;
  language: UiLanguage;
  onLanguage: (language: UiLanguage) => void;
  theme: Theme;
  onTheme: (theme: Theme) => void;
  direction: DirectionSetting;
  onDirection: (direction: DirectionSetting) => void;
  onClose: () => void;
}

type NumberField = "temperature" | "topP" | "maxTokens";

/** The page's keyboard shortcuts (handled in app.tsx and composer.tsx). */
const SHORTCUTS: readonly (readonly [string, LabelKey])[] = [
  ["Enter", "send"],
  ["Shift+Enter", "newLine"],
  ["Esc", "stop"],
  ["Ctrl+K", "search"],
  ["Ctrl+Shift+O", "newChat"],
];

/** The settings drawer. */
export function SettingsPanel(props: SettingsPanelProps) {
  const { t, settings } = props;
  const deterministic = settings.deterministic === true;
  const set = (patch: { [K in keyof ConversationSettings]?: ConversationSettings[K] | undefined }): void => {
    const merged: Record<string, unknown> = { ...settings, ...patch };
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
    props.onSettings(merged);
  };
  const number = (field: NumberField, label: string, step: string, placeholder: string) => (
    <label class="field">
      <span>{label}</span>
      <input
        type="number"
        inputMode="decimal"
        min="0"
        step={step}
        name={field}
        disabled={deterministic && field !== "maxTokens"}
        placeholder={placeholder}
        value={settings[field] ?? ""}
        onChange={(e) => {
          const raw = e.currentTarget.value.trim();
          const value = raw === "" ? undefined : Number(raw);
          set({ [field]: value !== undefined && Number.isFinite(value) ? value : undefined });
        }}
      />
    </label>
  );
  const sampling = props.config?.sampling;
  return (
    <div class="settings-inner">
      <div class="panel-head">
        <h2>{t("settings")}</h2>
        <button type="button" class="action" onClick={props.onClose}>
          {t("close")}
        </button>
      </div>
      <label class="field">
        <span>{t("systemPrompt")}</span>
        <textarea
          name="system"
          dir="auto"
          rows={4}
          value={settings.system ?? ""}
          onChange={(e) => set({ system: e.currentTarget.value === "" ? undefined : e.currentTarget.value })}
        />
      </label>
      <label class="field check">
        <input
          type="checkbox"
          name="deterministic"
          checked={deterministic}
          onChange={(e) => set({ deterministic: e.currentTarget.checked ? true : undefined })}
        />
        <span>{t("deterministic")}</span>
      </label>
      {number("temperature", t("temperature"), "0.05", t("defaultValue", { v: sampling?.temperature ?? "" }))}
      {number("topP", t("topP"), "0.01", t("defaultValue", { v: sampling?.topP ?? "" }))}
      {number("maxTokens", t("maxTokens"), "1", t("unlimited"))}
      <hr />
      <label class="field">
        <span>{t("language")}</span>
        <select
          name="language"
          value={props.language}
          onChange={(e) => props.onLanguage(e.currentTarget.value as UiLanguage)}
        >
          {UI_LANGUAGES.map((l) => (
            <option key={l.id} value={l.id} lang={l.id}>
              {l.name}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>{t("theme")}</span>
        <select
          name="theme"
          value={props.theme}
          onChange={(e) => props.onTheme(e.currentTarget.value as Theme)}
        >
          <option value="system">{t("themeSystem")}</option>
          <option value="light">{t("themeLight")}</option>
          <option value="dark">{t("themeDark")}</option>
        </select>
      </label>
      <label class="field">
        <span>{t("direction")}</span>
        <select
          name="direction"
          value={props.direction}
          onChange={(e) => props.onDirection(e.currentTarget.value as DirectionSetting)}
        >
          <option value="auto">{t("dirAuto")}</option>
          <option value="rtl">{t("dirRtl")}</option>
          <option value="ltr">{t("dirLtr")}</option>
        </select>
      </label>
      <h3 class="shortcuts-title">{t("shortcuts")}</h3>
      <dl class="shortcuts">
        {SHORTCUTS.map(([keys, label]) => (
          <Fragment key={label}>
            <dt>
              <kbd dir="ltr">{keys}</kbd>
            </dt>
            <dd>{t(label)}</dd>
          </Fragment>
        ))}
      </dl>
    </div>
  );
}
