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

/** A labelled select of a few fixed values. */
function Choice<T extends string>(props: {
  name: string;
  label: string;
  value: T;
  options: readonly (readonly [T, string])[];
  onChange: (value: T) => void;
}) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select
        name={props.name}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value as T)}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

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
      <Choice
        name="language"
        label={t("language")}
        value={props.language}
        options={UI_LANGUAGES.map((l) => [l.id, l.name] as const)}
        onChange={props.onLanguage}
      />
      <Choice
        name="theme"
        label={t("theme")}
        value={props.theme}
        options={[
          ["system", t("themeSystem")],
          ["light", t("themeLight")],
          ["dark", t("themeDark")],
        ]}
        onChange={props.onTheme}
      />
      <Choice
        name="direction"
        label={t("direction")}
        value={props.direction}
        options={[
          ["auto", t("dirAuto")],
          ["rtl", t("dirRtl")],
          ["ltr", t("dirLtr")],
        ]}
        onChange={props.onDirection}
      />
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
