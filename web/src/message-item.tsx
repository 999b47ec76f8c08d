/**
 * One message: who wrote it, its text (a user's as plain text, an answer as markdown), its direction from
 * its own content, and its actions — copy, edit and resend (user), regenerate (assistant), flip through
 * alternatives — with tokens/s under each answer.
 */
import { useMemo, useState } from "preact/hooks";
import type { ThreadMessage } from "./api.js";
import { tokensPerSecond } from "./chat-stream.js";
import { blockDir, firstStrongDirection, type Direction, type DirectionSetting } from "./direction.js";
import type { Translate } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";

/** Props of {@link MessageItem}. */
export interface MessageItemProps {
  message: ThreadMessage;
  /** Text streaming in (replaces the stored content). */
  streamingContent: string | undefined;
  /** Another answer is streaming: actions that start one are off. */
  busy: boolean;
  t: Translate;
  setting: DirectionSetting;
  /** Direction of a message without letters yet (the question's for an answer). */
  fallback: Direction;
  onCopy: (text: string) => Promise<boolean>;
  onRegenerate: (message: ThreadMessage) => void;
  onEdit: (message: ThreadMessage, text: string) => void;
  onSelect: (messageId: string) => void;
  /** A trailing question without an answer can be answered. */
  canAnswer: boolean;
}

function Alternatives({
  message,
  t,
  busy,
  onSelect,
}: Pick<MessageItemProps, "message" | "t" | "busy" | "onSelect">) {
  const { siblings, siblingIndex } = message;
  if (siblings.length < 2) return null;
  return (
    <span
      class="alternatives"
      role="group"
      aria-label={t("alternativeOf", { i: siblingIndex + 1, n: siblings.length })}
    >
      <button
        type="button"
        class="icon flip"
        aria-label={t("previous")}
        title={t("previous")}
        disabled={busy || siblingIndex === 0}
        onClick={() => onSelect(siblings[siblingIndex - 1]!)}
      >
        <span aria-hidden="true" class="flip-glyph prev" />
      </button>
      <span class="alt-count" aria-hidden="true">
        {siblingIndex + 1}/{siblings.length}
      </span>
      <button
        type="button"
        class="icon flip"
        aria-label={t("next")}
        title={t("next")}
        disabled={busy || siblingIndex === siblings.length - 1}
        onClick={() => onSelect(siblings[siblingIndex + 1]!)}
      >
        <span aria-hidden="true" class="flip-glyph next" />
      </button>
    </span>
  );
}

function Stats({ message, t }: { message: ThreadMessage; t: Translate }) {
  const stats = message.stats;
  if (stats === null) return <span class="stats muted">{t("incomplete")}</span>;
  const rate = tokensPerSecond(stats);
  const parts: string[] = [];
  if (rate !== undefined) parts.push(t("tokensPerSecond", { r: rate.toFixed(1) }));
  if (stats.evalCount !== undefined) parts.push(t("tokens", { n: stats.evalCount }));
  if (stats.doneReason === "aborted") parts.push(t("stopped"));
  return (
    <span class="stats" data-testid="stats">
      {parts.join(" · ")}
    </span>
  );
}

function CopyButton({ text, t, onCopy }: { text: string; t: Translate; onCopy: MessageItemProps["onCopy"] }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="action"
      onClick={() => void onCopy(text).then((ok) => setDone(ok))}
      onBlur={() => setDone(false)}
    >
      {done ? t("copied") : t("copy")}
    </button>
  );
}

/** A message of the conversation. */
export function MessageItem(props: MessageItemProps) {
  const { message, streamingContent, busy, t, setting, fallback } = props;
  const [editing, setEditing] = useState<string | null>(null);
  const content = streamingContent ?? message.content;
  const isUser = message.role === "user";
  const rendered = useMemo(
    () => (isUser ? null : renderMarkdown(content, { setting, fallback, copyCodeLabel: t("copyCode") })),
    [isUser, content, setting, fallback, t],
  );
  const dir: Direction =
    rendered?.dir ?? (setting === "auto" ? (firstStrongDirection(content) ?? fallback) : setting);
  const streamingNow = streamingContent !== undefined;

  return (
    <article
      class={`message ${message.role}${streamingNow ? " streaming" : ""}`}
      data-message-id={message.id}
      aria-busy={streamingNow}
    >
      <header class="message-head">
        <span class="author">{isUser ? t("you") : t("assistant")}</span>
        {!isUser && message.model !== null && <span class="model-name">{message.model}</span>}
        <Alternatives message={message} t={t} busy={busy} onSelect={props.onSelect} />
      </header>
      {editing !== null ? (
        <form
          class="edit-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (editing.trim() === "") return;
            props.onEdit(message, editing);
            setEditing(null);
          }}
        >
          <textarea
            class="edit-box"
            aria-label={t("edit")}
            dir={blockDir(editing, setting, dir)}
            value={editing}
            rows={Math.min(12, editing.split("\n").length + 1)}
            onInput={(e) => setEditing(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.stopPropagation();
                setEditing(null);
              }
            }}
            ref={(el) => el?.focus()}
          />
          <div class="edit-actions">
            <button type="submit" class="primary" disabled={busy}>
              {t("saveAndSend")}
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              {t("cancel")}
            </button>
          </div>
        </form>
      ) : isUser ? (
        <div class="message-body plain" dir={blockDir(content, setting, fallback)}>
          {content}
        </div>
      ) : (
        <div class="message-body markdown" dir={dir} dangerouslySetInnerHTML={{ __html: rendered!.html }} />
      )}
      {streamingNow && content === "" && <p class="thinking muted">{t("thinking")}</p>}
      {editing === null && !streamingNow && (
        <footer class="message-actions">
          <CopyButton text={content} t={t} onCopy={props.onCopy} />
          {isUser ? (
            <>
              <button type="button" class="action" disabled={busy} onClick={() => setEditing(content)}>
                {t("edit")}
              </button>
              {props.canAnswer && (
                <button
                  type="button"
                  class="action"
                  disabled={busy}
                  onClick={() => props.onRegenerate(message)}
                >
                  {t("answer")}
                </button>
              )}
            </>
          ) : (
            <>
              <button
                type="button"
                class="action"
                disabled={busy}
                onClick={() => props.onRegenerate(message)}
              >
                {t("regenerate")}
              </button>
              <Stats message={message} t={t} />
              {message.stats?.error !== undefined && (
                <span class="error-text" role="alert">
                  {t("error")}: {message.stats.error}
                </span>
              )}
            </>
          )}
        </footer>
      )}
    </article>
  );
}
