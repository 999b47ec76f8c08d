/**
 * The conversation being shown and what can be done to it: send, regenerate, edit and resend, flip
 * alternatives, stop. Every change goes to the history API first and the page shows what the server
 * returns. An answer is stored (empty) before it streams, saved every few seconds while it streams, and
 * once more when it ends, is stopped or fails — so a closed tab loses at most a few seconds of it.
 */
import { useCallback, useRef, useState } from "preact/hooks";
import {
  api,
  type ConversationDetail,
  type ConversationSettings,
  type GenerationStats,
  type ThreadMessage,
  type UiConfig,
} from "./api.js";
import { streamChat, type WireMessage } from "./chat-stream.js";

/** How often a streaming answer is saved, ms. */
const SAVE_EVERY_MS = 3000;

/** The answer being streamed. */
export interface Streaming {
  conversationId: string;
  messageId: string;
  content: string;
}

/** Ollama options of a conversation's settings. */
export function chatOptions(settings: ConversationSettings, config: UiConfig | null): Record<string, number> {
  const options: Record<string, number> = {};
  if (settings.deterministic === true) {
    options["temperature"] = 0;
    options["seed"] = config?.deterministicSeed ?? 1;
  } else {
    if (settings.temperature !== undefined) options["temperature"] = settings.temperature;
    if (settings.topP !== undefined) options["top_p"] = settings.topP;
  }
  if (settings.maxTokens !== undefined) options["num_predict"] = settings.maxTokens;
  return options;
}

/** The messages `/api/chat` gets for an answer after `thread` (system prompt first). */
export function wireMessages(
  settings: ConversationSettings,
  thread: readonly ThreadMessage[],
): WireMessage[] {
  const system = settings.system?.trim() ?? "";
  return [
    ...(system === "" ? [] : [{ role: "system" as const, content: system }]),
    ...thread.map((m) => ({ role: m.role, content: m.content })),
  ];
}

/** What the chat hook needs from the page. */
export interface ChatDeps {
  config: UiConfig | null;
  /** Model and settings of a new conversation. */
  defaults: () => { model: string; settings: ConversationSettings };
  /** Called after anything that changes the conversation list. */
  onListChanged: () => void;
  onError: (error: unknown) => void;
}

/** State and actions of the shown conversation. */
export function useChat(deps: ChatDeps) {
  const [conversation, setShown] = useState<ConversationDetail | null>(null);
  const [streaming, setStreaming] = useState<Streaming | null>(null);
  const controller = useRef<AbortController | null>(null);
  const shownId = useRef<string | null>(null);
  const setConversation = useCallback((detail: ConversationDetail | null): void => {
    shownId.current = detail?.id ?? null;
    setShown(detail);
  }, []);
  /** Shows `detail` only if its conversation is still the one shown (the user may have moved on). */
  const refresh = useCallback(
    (detail: ConversationDetail): void => {
      if (shownId.current === detail.id) setConversation(detail);
    },
    [setConversation],
  );
  const depsRef = useRef(deps);
  depsRef.current = deps;

  /** Streams an answer to the user message `userId` (on the shown path of `detail`). */
  const answer = useCallback(
    async (detail: ConversationDetail, userId: string): Promise<void> => {
      const { config, onListChanged, onError } = depsRef.current;
      const model = detail.model ?? depsRef.current.defaults().model;
      const added = await api.addMessage(detail.id, {
        parentId: userId,
        role: "assistant",
        content: "",
        model,
      });
      const replyId = added.message.id;
      const thread = added.conversation.thread;
      refresh(added.conversation);
      const history = thread.slice(
        0,
        thread.findIndex((m) => m.id === replyId),
      );
      const abort = new AbortController();
      controller.current = abort;
      let content = "";
      let frame = 0;
      let lastSave = performance.now();
      setStreaming({ conversationId: detail.id, messageId: replyId, content });
      const show = (): void => {
        frame = 0;
        setStreaming({ conversationId: detail.id, messageId: replyId, content });
      };
      let stats: GenerationStats;
      try {
        stats = await streamChat(
          {
            model,
            messages: wireMessages(added.conversation.settings, history),
            options: chatOptions(added.conversation.settings, config),
          },
          (delta) => {
            content += delta;
            if (frame === 0) frame = requestAnimationFrame(show);
            if (performance.now() - lastSave > SAVE_EVERY_MS) {
              lastSave = performance.now();
              void api.updateMessage(detail.id, replyId, { content }).catch(() => {});
            }
          },
          abort.signal,
        );
      } catch (error) {
        stats = abort.signal.aborted
          ? { doneReason: "aborted" }
          : { error: error instanceof Error ? error.message : String(error) };
        if (!abort.signal.aborted) onError(error);
      } finally {
        if (frame !== 0) cancelAnimationFrame(frame);
        controller.current = null;
      }
      try {
        await api.updateMessage(detail.id, replyId, { content, stats });
        refresh(await api.get(detail.id));
      } finally {
        setStreaming(null);
        onListChanged();
      }
    },
    [refresh],
  );

  const run = useCallback(async (work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      depsRef.current.onError(error);
    }
  }, []);

  /** Sends a new user message after the shown path (starting a conversation if none is open). */
  const send = useCallback(
    (text: string) =>
      run(async () => {
        let detail = conversation;
        if (detail === null) {
          const { model, settings } = depsRef.current.defaults();
          detail = await api.create({ model: model === "" ? null : model, settings });
        }
        const last = detail.thread.at(-1);
        // After an answer that was never stored, the new question takes the old one's place.
        const parentId = last === undefined ? null : last.role === "assistant" ? last.id : last.parentId;
        const added = await api.addMessage(detail.id, { parentId, role: "user", content: text });
        setConversation(added.conversation);
        depsRef.current.onListChanged();
        await answer(added.conversation, added.message.id);
      }),
    [conversation, answer, run, setConversation],
  );

  /** A new answer to the question `message` follows (an assistant message), or to `message` (a user one). */
  const regenerate = useCallback(
    (message: ThreadMessage) =>
      run(async () => {
        if (conversation === null) return;
        const userId = message.role === "user" ? message.id : message.parentId;
        if (userId !== null) await answer(conversation, userId);
      }),
    [conversation, answer, run],
  );

  /** Sends an edited question as an alternative of `message`, and answers it. */
  const editAndResend = useCallback(
    (message: ThreadMessage, text: string) =>
      run(async () => {
        if (conversation === null) return;
        const added = await api.addMessage(conversation.id, {
          parentId: message.parentId,
          role: "user",
          content: text,
        });
        refresh(added.conversation);
        await answer(added.conversation, added.message.id);
      }),
    [conversation, answer, run, refresh],
  );

  /** Shows another alternative. */
  const select = useCallback(
    (messageId: string) =>
      run(async () => {
        if (conversation !== null) refresh(await api.select(conversation.id, messageId));
      }),
    [conversation, run, refresh],
  );

  /** Opens a conversation (null: a new, empty one); an answer still streaming is stopped (and kept). */
  const open = useCallback(
    (id: string | null) =>
      run(async () => {
        controller.current?.abort();
        if (id === null) setConversation(null);
        else {
          shownId.current = id;
          refresh(await api.get(id));
        }
      }),
    [run, refresh, setConversation],
  );

  const stop = useCallback(() => controller.current?.abort(), []);

  return { conversation, setConversation, streaming, send, regenerate, editAndResend, select, open, stop };
}
