/**
 * The web chat inside createApp, through app.request (no port): `/` by content negotiation, the built
 * page's caching headers, the page working without a build, the /ui/api routes and their guards.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import type { AppEnv } from "../../../src/server/app-context.js";
import { createWebChat } from "../../../src/server/ui/index.js";
import { DEFAULT_WEB_ROOT } from "../../../src/server/ui/static-page.js";
import type {
  ConversationDetail,
  ExportFile,
  SearchHit,
  UiConfig,
} from "../../../src/server/ui/ui-api-types.js";
import { translatePrompt } from "../../../src/templates/index.js";
import { fakeApp, post, scratchHome } from "../fixtures.js";

const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

/** A fake build: index.html and one hashed asset. */
async function fakeBuild(): Promise<string> {
  const root = join(await scratchHome("web-build-"), "web");
  mkdirSync(join(root, "assets"), { recursive: true });
  writeFileSync(join(root, "index.html"), "<!doctype html><title>Atlas Chat</title>");
  writeFileSync(join(root, "assets", "index-abc123.js"), "console.log(1)");
  writeFileSync(join(root, "favicon.svg"), "<svg/>");
  return root;
}

/** An app with only the web chat mounted (as createApp mounts it). */
function webOnly(webRoot: string, home: string): { app: Hono<AppEnv>; close: () => void } {
  const web = createWebChat({ webRoot, dbPath: join(home, "chat.db") });
  const app = new Hono<AppEnv>();
  app.use(web.assets);
  app.route("/", web.routes);
  app.get("/", (c) => c.text("Ollama is running"));
  return { app, close: () => web.close() };
}

describe("the page", () => {
  const closers: (() => void)[] = [];
  afterAll(() => closers.forEach((c) => c()));

  it("answers browsers with index.html (no-cache, CSP) and Ollama clients with 'Ollama is running'", async () => {
    const { app, close } = webOnly(await fakeBuild(), await scratchHome());
    closers.push(close);
    const page = await app.request("/", { headers: HTML });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    expect(await page.text()).toContain("<title>Atlas Chat</title>");

    for (const headers of [{}, { accept: "*/*" }, { accept: "application/json" }]) {
      const res = await app.request("/", { headers });
      expect(await res.text()).toBe("Ollama is running");
    }
    const head = await app.request("/", { method: "HEAD", headers: HTML });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("serves hashed assets as immutable and other files revalidated, with ETags", async () => {
    const { app, close } = webOnly(await fakeBuild(), await scratchHome());
    closers.push(close);
    const asset = await app.request("/assets/index-abc123.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = asset.headers.get("etag")!;
    expect(
      (await app.request("/assets/index-abc123.js", { headers: { "if-none-match": etag } })).status,
    ).toBe(304);
    expect((await app.request("/favicon.svg")).headers.get("cache-control")).toBe("no-cache");
    for (const path of [
      "/assets/missing.js",
      "/assets/..%2Findex.html",
      "/assets/%2e%2e/%2e%2e/package.json",
    ])
      expect((await app.request(path)).status).toBe(404);
  });

  it("says how to build the page when there is no build, and the API keeps working", async () => {
    const home = await scratchHome();
    const { app, close } = webOnly(join(home, "no-build"), home);
    closers.push(close);
    const page = await app.request("/", { headers: HTML });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("npm run build");
    expect(await (await app.request("/")).text()).toBe("Ollama is running");
    expect((await app.request("/ui/api/conversations")).status).toBe(200);
  });
});

describe("createApp with the web chat", () => {
  it("keeps Ollama's GET / and serves /ui/api next to /api", async () => {
    const app = await fakeApp();
    try {
      expect(await (await app.request("/")).text()).toBe("Ollama is running");
      expect((await app.request("/api/tags")).status).toBe(200);
      const created = (await (
        await post(app, "/ui/api/conversations", { title: "سلام" })
      ).json()) as ConversationDetail;
      expect(created.title).toBe("سلام");
      expect((await app.request("/ui/api/conversations", { method: "PUT" })).status).toBe(405);
    } finally {
      await app.atlas.shutdown(0);
    }
  });

  it.skipIf(!existsSync(join(DEFAULT_WEB_ROOT, "assets")))(
    "requires the API key for /ui/api but not for the page's own files (needs npm run build)",
    async () => {
      const app = await fakeApp({ apiKey: "s3cret" });
      try {
        expect((await app.request("/ui/api/conversations")).status).toBe(401);
        const ok = await app.request("/ui/api/conversations", {
          headers: { authorization: "Bearer s3cret" },
        });
        expect(ok.status).toBe(200);
        expect((await app.request("/", { headers: HTML })).status).not.toBe(401);
        const asset = readdirSync(join(DEFAULT_WEB_ROOT, "assets")).find((f) => f.endsWith(".js"))!;
        expect((await app.request(`/assets/${asset}`)).status).toBe(200);
        expect((await app.request("/assets/missing.js")).status).toBe(401);
      } finally {
        await app.atlas.shutdown(0);
      }
    },
  );

  it("runs a conversation through the REST API: messages, alternatives, search, export, import", async () => {
    const app = await fakeApp();
    try {
      const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
        const r = await res;
        expect(r.status, await r.clone().text()).toBe(status);
        return (await r.json()) as T;
      };
      const conv = await json<ConversationDetail>(post(app, "/ui/api/conversations", {}), 201);
      const base = `/ui/api/conversations/${conv.id}`;
      const user = await json<{ message: { id: string } }>(
        post(app, `${base}/messages`, { parentId: null, role: "user", content: "واش نتا مزيان؟" }),
        201,
      );
      const first = await json<{ message: { id: string } }>(
        post(app, `${base}/messages`, { parentId: user.message.id, role: "assistant", content: "" }),
        201,
      );
      await json(
        app.request(`${base}/messages/${first.message.id}`, {
          method: "PATCH",
          body: JSON.stringify({ content: "ah, mzyan bzzaf", stats: { evalCount: 4, evalDurationNs: 2e8 } }),
        }),
      );
      const second = await json<{ conversation: ConversationDetail }>(
        post(app, `${base}/messages`, { parentId: user.message.id, role: "assistant", content: "لاباس" }),
        201,
      );
      expect(second.conversation.thread[1]).toMatchObject({ content: "لاباس", siblingIndex: 1 });
      const flipped = await json<ConversationDetail>(
        post(app, `${base}/messages/${first.message.id}/select`, {}),
      );
      expect(flipped.thread[1]).toMatchObject({ content: "ah, mzyan bzzaf", stats: { evalCount: 4 } });
      expect(flipped.title).toBe("واش نتا مزيان؟");

      const hits = await json<SearchHit[]>(app.request(`/ui/api/search?q=${encodeURIComponent("مزيان")}`));
      expect(hits.map((h) => [h.conversation.id, h.match])).toEqual([[conv.id, "text"]]);
      const arabizi = await json<SearchHit[]>(app.request("/ui/api/search?q=wach"));
      expect(arabizi.map((h) => h.match)).toEqual(["spelling"]);

      const file = await json<ExportFile>(app.request("/ui/api/export"));
      expect(file.conversations[0]!.messages).toHaveLength(3);
      expect((await app.request(base, { method: "DELETE" })).status).toBe(204);
      expect((await app.request(base)).status).toBe(404);
      const imported = await json<{ imported: number; ids: string[] }>(
        post(app, "/ui/api/import", file),
        201,
      );
      const back = await json<ConversationDetail>(app.request(`/ui/api/conversations/${imported.ids[0]}`));
      expect(back.thread.map((m) => m.content)).toEqual(["واش نتا مزيان؟", "ah, mzyan bzzaf"]);

      const bad = await app.request("/ui/api/import", { method: "POST", body: '{"format":"x"}' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/format/);
      const hot = await post(app, "/ui/api/conversations", { settings: { temperature: 50 } });
      expect(hot.status).toBe(400);
    } finally {
      await app.atlas.shutdown(0);
    }
  });

  it("gives the page the CLI's own task prompts", async () => {
    const app = await fakeApp();
    try {
      const config = (await (await app.request("/ui/api/config")).json()) as UiConfig;
      const en = config.presets.find((p) => p.id === "translate-en")!;
      expect(`${en.before}صباح الخير${en.after}`).toBe(translatePrompt("صباح الخير", "en"));
      expect(config.presets.map((p) => p.id)).toEqual([
        "translate-darija",
        "translate-msa",
        "translate-en",
        "translate-fr",
        "transliterate-arabizi",
        "transliterate-arabic",
        "summarize",
        "explain",
      ]);
    } finally {
      await app.atlas.shutdown(0);
    }
  });
});
