/**
 * The web chat's REST API under `/ui/api` (docs/web.md § REST API): conversations and their messages,
 * search, export/import, and the page's configuration (task presets, sampling defaults). Answers JSON;
 * errors are `{"error": "…"}` with the status `server/errors.ts` gives their code.
 */
import { Hono, type Context } from "hono";
import { SAMPLING_DEFAULTS } from "../../core/index.js";
import type { AppEnv } from "../app-context.js";
import { errorResponse } from "../errors.js";
import { readJsonObject } from "../json-body.js";
import type { ChatStore } from "./chat-store.js";
import { taskPresets } from "./task-presets.js";
import type { UiConfig } from "./ui-api-types.js";
import { parseConversationPatch, parseExportFile, parseMessagePatch, parseNewMessage } from "./ui-schemas.js";

/** Seed of "deterministic" requests (with temperature 0 the seed does not matter; it pins the rest). */
export const DETERMINISTIC_SEED = 1;

type Handler = (c: Context<AppEnv>) => Response | Promise<Response>;

function handle(fn: Handler): Handler {
  return async (c) => {
    try {
      return await fn(c);
    } catch (error) {
      return errorResponse(error, { kind: "ollama" });
    }
  };
}

/** A path parameter of the route ("" cannot happen: the route matched it). */
function param(c: Context<AppEnv>, name: string): string {
  return c.req.param(name) ?? "";
}

/**
 * The `/ui/api` routes over a history store, opened on first use (`store()` may throw: the error is
 * the route's answer).
 */
export function uiApiRoutes(store: () => ChatStore): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  const config: UiConfig = {
    presets: taskPresets(),
    sampling: { temperature: SAMPLING_DEFAULTS.temperature, topP: SAMPLING_DEFAULTS.topP },
    deterministicSeed: DETERMINISTIC_SEED,
  };
  api.get("/config", (c) => c.json(config));

  api.get(
    "/conversations",
    handle((c) => c.json(store().list())),
  );
  api.post(
    "/conversations",
    handle(async (c) =>
      c.json(store().create(parseConversationPatch(await readJsonObject(c.req.raw, true))), 201),
    ),
  );
  api.get(
    "/conversations/:id",
    handle((c) => c.json(store().get(param(c, "id")))),
  );
  api.patch(
    "/conversations/:id",
    handle(async (c) =>
      c.json(store().update(param(c, "id"), parseConversationPatch(await readJsonObject(c.req.raw)))),
    ),
  );
  api.delete(
    "/conversations/:id",
    handle((c) => {
      store().remove(param(c, "id"));
      return c.body(null, 204);
    }),
  );
  api.post(
    "/conversations/:id/messages",
    handle(async (c) => {
      const id = param(c, "id");
      const message = store().addMessage(id, parseNewMessage(await readJsonObject(c.req.raw)));
      return c.json({ message, conversation: store().get(id) }, 201);
    }),
  );
  api.patch(
    "/conversations/:id/messages/:messageId",
    handle(async (c) =>
      c.json(
        store().updateMessage(
          param(c, "id"),
          param(c, "messageId"),
          parseMessagePatch(await readJsonObject(c.req.raw)),
        ),
      ),
    ),
  );
  api.post(
    "/conversations/:id/messages/:messageId/select",
    handle((c) => c.json(store().select(param(c, "id"), param(c, "messageId")))),
  );

  api.get(
    "/search",
    handle((c) => c.json(store().search(c.req.query("q") ?? ""))),
  );
  api.get(
    "/export",
    handle((c) => {
      const ids = c.req.queries("id");
      const file = store().exportConversations(ids);
      const day = file.exportedAt.slice(0, 10);
      return c.json(file, 200, {
        "content-disposition": `attachment; filename="atlas-chat-${day}.json"`,
      });
    }),
  );
  api.post(
    "/import",
    handle(async (c) => {
      const ids = store().importConversations(parseExportFile(await readJsonObject(c.req.raw)));
      return c.json({ imported: ids.length, ids }, 201);
    }),
  );
  return api;
}
