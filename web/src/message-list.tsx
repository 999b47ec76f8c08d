/**
 * The shown path of the conversation, as a live log. Follows the bottom while an answer streams unless
 * the user scrolled up; copy buttons of code blocks (rendered inside markdown HTML) work through one
 * delegated click handler.
 */
import { useLayoutEffect, useRef } from "preact/hooks";
import type { ConversationDetail, ThreadMessage } from "./api.js";
import { firstStrongDirection, type Direction, type DirectionSetting } from "./direction.js";
import type { Translate } from "./i18n.js";
import { MessageItem } from "./message-item.js";
import type { Streaming } from "./use-chat.js";

/** Props of {@link MessageList}. */
export interface MessageListProps {
  conversation: ConversationDetail | null;
  streaming: Streaming | null;
  t: Translate;
  setting: DirectionSetting;
  uiDir: Direction;
  onCopy: (text: string) => Promise<boolean>;
  onRegenerate: (message: ThreadMessage) => void;
  onEdit: (message: ThreadMessage, text: string) => void;
  onSelect: (messageId: string) => void;
}

/** Distance from the bottom (px) within which the list keeps following new text. */
const FOLLOW_MARGIN = 80;

/** The conversation's messages. */
export function MessageList(props: MessageListProps) {
  const { conversation, streaming, t } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const thread = conversation?.thread ?? [];
  const streamingHere =
    streaming !== null && streaming.conversationId === conversation?.id ? streaming : null;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el !== null && follow.current) el.scrollTop = el.scrollHeight;
  }, [thread, streamingHere?.content]);

  useLayoutEffect(() => {
    follow.current = true;
  }, [conversation?.id]);

  // Late layout changes (web fonts arriving, a drawer closing) keep the bottom in view when following.
  useLayoutEffect(() => {
    const el = scroller.current;
    const log = el?.firstElementChild;
    if (el === null || log === null || log === undefined) return;
    const observer = new ResizeObserver(() => {
      if (follow.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(log);
    return () => observer.disconnect();
  }, []);

  // An answer's direction, until its first letter arrives, is its question's.
  let previous: Direction = props.uiDir;
  return (
    <div
      class="messages"
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_MARGIN;
      }}
      onClick={(e) => {
        const button = (e.target as Element).closest("[data-copy-code]");
        const code = button?.closest(".code-block")?.querySelector("pre")?.textContent;
        if (button !== null && button !== undefined && code != null)
          void props.onCopy(code).then((ok) => {
            if (ok) button.textContent = t("copied");
          });
      }}
    >
      <section class="log" role="log" aria-label={t("conversations")} aria-busy={streamingHere !== null}>
        {thread.length === 0 && <p class="empty-chat">{t("emptyChat")}</p>}
        {thread.map((message, i) => {
          const fallback = previous;
          const own = props.setting === "auto" ? firstStrongDirection(message.content) : props.setting;
          if (message.role === "user") previous = own ?? previous;
          return (
            <MessageItem
              key={message.id}
              message={message}
              streamingContent={streamingHere?.messageId === message.id ? streamingHere.content : undefined}
              busy={streaming !== null}
              t={t}
              setting={props.setting}
              fallback={fallback}
              onCopy={props.onCopy}
              onRegenerate={props.onRegenerate}
              onEdit={props.onEdit}
              onSelect={props.onSelect}
              canAnswer={message.role === "user" && i === thread.length - 1}
            />
          );
        })}
      </section>
    </div>
  );
}
