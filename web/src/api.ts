/**
 * The page's only way to the server: its HTTP API. `/ui/api/…` for the history (types shared with the
 * server, type-only), `/api/tags` for models, `/api/chat` for answers (chat-stream.ts). A server started
 * with `--api-key` answers 401 until the user gives the key, kept in this browser's localStorage.
 */
import type {
  ChatNode,
  ConversationDetail,
  ConversationSettings,
  ConversationSummary,
  ExportFile,
  GenerationStats,
  SearchHit,
  UiConfig,
} from "../../src/server/ui/ui-api-types.js";

export type * from "../../src/server/ui/ui-api-types.js";

const KEY_STORAGE = "atlas.apiKey";

/** An error answer of the server: its status and `error` message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Sets the API key sent from now on ("" forgets it). */
export function setApiKey(key: string): void {
  if (key === "") localStorage.removeItem(KEY_STORAGE);
  else localStorage.setItem(KEY_STORAGE, key);
}

/** Headers of every request: JSON, and the API key when there is one. */
export function apiHeaders(): Record<string, string> {
  const key = localStorage.getItem(KEY_STORAGE);
  return {
    "content-type": "application/json",
    ...(key === null ? {} : { authorization: `Bearer ${key}` }),
  };
}

/** Turns a non-2xx response into an {@link ApiError} with the server's message. */
export async function failure(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === "string") message = body.error;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, message);
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: apiHeaders(),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw await failure(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

const enc = encodeURIComponent;
const conv = (id: string): string => `/ui/api/conversations/${enc(id)}`;

/** A model of `/api/tags`. */
export interface ModelTag {
  name: string;
  details?: { parameter_size?: string; quantization_level?: string };
}

/** The server's API, as the page uses it. */
export const api = {
  models: async (): Promise<ModelTag[]> => (await call<{ models: ModelTag[] }>("GET", "/api/tags")).models,
  config: (): Promise<UiConfig> => call("GET", "/ui/api/config"),
  list: (): Promise<ConversationSummary[]> => call("GET", "/ui/api/conversations"),
  create: (init: { model?: string | null; settings?: ConversationSettings }): Promise<ConversationDetail> =>
    call("POST", "/ui/api/conversations", init),
  get: (id: string): Promise<ConversationDetail> => call("GET", conv(id)),
  update: (
    id: string,
    patch: { title?: string; model?: string | null; settings?: ConversationSettings },
  ): Promise<ConversationDetail> => call("PATCH", conv(id), patch),
  remove: (id: string): Promise<void> => call("DELETE", conv(id)),
  addMessage: (
    id: string,
    message: { parentId: string | null; role: "user" | "assistant"; content: string; model?: string | null },
  ): Promise<{ message: ChatNode; conversation: ConversationDetail }> =>
    call("POST", `${conv(id)}/messages`, message),
  updateMessage: (
    id: string,
    messageId: string,
    patch: { content?: string; stats?: GenerationStats | null },
  ): Promise<ChatNode> => call("PATCH", `${conv(id)}/messages/${enc(messageId)}`, patch),
  select: (id: string, messageId: string): Promise<ConversationDetail> =>
    call("POST", `${conv(id)}/messages/${enc(messageId)}/select`),
  search: (q: string): Promise<SearchHit[]> => call("GET", `/ui/api/search?q=${enc(q)}`),
  exportAll: (): Promise<ExportFile> => call("GET", "/ui/api/export"),
  importFile: (file: unknown): Promise<{ imported: number; ids: string[] }> =>
    call("POST", "/ui/api/import", file),
};
