/**
 * The message box: takes its direction from what is typed (`dir="auto"`, each line on its own with
 * `unicode-bidi: plaintext`), grows with its text, sends on Enter (Shift+Enter: new line), and offers the
 * one-click tasks, which wrap the typed text in the CLI's own task prompt and send it.
 */
import { useRef, useState } from "preact/hooks";
import type { TaskPreset } from "./api.js";
import { blockDir, type Direction, type DirectionSetting } from "./direction.js";
import type { LabelKey, Translate } from "./i18n.js";

/** Props of {@link Composer}. */
export interface ComposerProps {
  t: Translate;
  presets: readonly TaskPreset[];
  setting: DirectionSetting;
  uiDir: Direction;
  streaming: boolean;
  disabled: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/** Lines the box grows to before it scrolls. */
const MAX_ROWS = 10;

/** The message box and task buttons. */
export function Composer(props: ComposerProps) {
  const { t, streaming } = props;
  const [text, setText] = useState("");
  const [hint, setHint] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  const submit = (value: string): void => {
    if (value.trim() === "" || streaming || props.disabled) return;
    props.onSend(value);
    setText("");
    setHint(false);
  };
  const usePreset = (preset: TaskPreset): void => {
    const typed = text.trim();
    if (typed === "") {
      setHint(true);
      box.current?.focus();
      return;
    }
    submit(`${preset.before}${typed}${preset.after}`);
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit(text);
      }}
    >
      <div class="presets" role="group" aria-label={t("presets")}>
        {props.presets.map((preset) => (
          <button
            type="button"
            key={preset.id}
            class="preset"
            data-preset={preset.id}
            disabled={streaming || props.disabled}
            onClick={() => usePreset(preset)}
          >
            {t(preset.id as LabelKey)}
          </button>
        ))}
      </div>
      {hint && (
        <p class="hint" role="status">
          {t("presetNeedsText")}
        </p>
      )}
      <div class="composer-row">
        <textarea
          id="composer-input"
          ref={box}
          class="composer-input"
          aria-label={t("messageLabel")}
          placeholder={t("placeholder")}
          dir={blockDir(text, props.setting, props.uiDir)}
          rows={Math.min(MAX_ROWS, Math.max(1, text.split("\n").length))}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit(text);
            }
          }}
        />
        {streaming ? (
          <button type="button" class="send stop" onClick={props.onStop}>
            {t("stop")}
          </button>
        ) : (
          <button type="submit" class="send primary" disabled={props.disabled || text.trim() === ""}>
            {t("send")}
          </button>
        )}
      </div>
    </form>
  );
}
