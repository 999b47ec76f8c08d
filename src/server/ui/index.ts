/**
 * The Darija web chat of `atlas serve` (docs/web.md): the built page at `/` and the history API under
 * `/ui/api`, over a SQLite store at `$ATLAS_HOME/chat.db` opened on first use.
 */
import { join } from "node:path";
import { Hono, type MiddlewareHandler } from "hono";
import { atlasHome } from "../../config/index.js";
import type { AppEnv } from "../app-context.js";
import { ChatStore } from "./chat-store.js";
import { DEFAULT_WEB_ROOT, webAssets, webIndex } from "./static-page.js";
import { uiApiRoutes } from "./ui-api-routes.js";

export { ChatStore } from "./chat-store.js";
export type * from "./ui-api-types.js";

/** Options of {@link createWebChat}. */
export interface WebChatOptions {
  /** Environment: `ATLAS_HOME` decides where chat.db lives. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The history database. Default `$ATLAS_HOME/chat.db`. */
  dbPath?: string;
  /** The built page. Default the package's `dist/web`. */
  webRoot?: string;
}

/** The web chat's pieces, for createApp to mount. */
export interface WebChat {
  /** The page's files; public (no API key), so mount it before the key check. */
  assets: MiddlewareHandler<AppEnv>;
  /** `GET /` for browsers and `/ui/api/*`; mount after the guards and before Ollama's `/`. */
  routes: Hono<AppEnv>;
  /** Closes the history database if it was opened. */
  close(): void;
}

/**
 * The web chat.
 * @example
 * const web = createWebChat({ env });
 * app.use(web.assets);
 * app.route("/", web.routes);
 */
export function createWebChat(options: WebChatOptions = {}): WebChat {
  const root = options.webRoot ?? DEFAULT_WEB_ROOT;
  let store: ChatStore | undefined;
  const open = (): ChatStore =>
    (store ??= new ChatStore(options.dbPath ?? join(atlasHome(options.env ?? process.env), "chat.db")));
  const routes = new Hono<AppEnv>();
  routes.on(["GET", "HEAD"], "/", webIndex(root));
  routes.route("/ui/api", uiApiRoutes(open));
  return {
    assets: webAssets(root),
    routes,
    close() {
      store?.close();
      store = undefined;
    },
  };
}
