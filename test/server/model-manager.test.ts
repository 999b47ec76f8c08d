/**
 * Several models in one server (fake engine, real files): the least recently used idle model is unloaded
 * when the count or the memory budget would be exceeded; busy models are never unloaded (503 instead);
 * keep_alive expiry unloads an idle model.
 */
import { copyFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeEngine } from "../../src/engine/index.js";
import { createApp, type AtlasApp, type CreateAppOptions } from "../../src/server/index.js";
import { post, scratchHome, tinyGguf } from "./fixtures.js";

async function threeModels(options: Partial<CreateAppOptions>, stepDelayMs = 0): Promise<AtlasApp> {
  const home = await scratchHome();
  const source = await tinyGguf();
  const models = [];
  for (const name of ["a", "b", "c"]) {
    const path = join(home, `${name}.gguf`);
    await copyFile(source, path);
    models.push({ name, path });
  }
  return createApp({
    models,
    env: { ATLAS_HOME: home },
    loadOptions: { engine: new FakeEngine({ reply: () => "x".repeat(200), stepDelayMs }) },
    ...options,
  });
}

async function running(app: AtlasApp): Promise<string[]> {
  const body = (await (await app.request("/api/ps")).json()) as { models: { name: string }[] };
  return body.models.map((m) => m.name).sort();
}

const use = (app: AtlasApp, model: string): Promise<Response> =>
  post(app, "/api/generate", { model, prompt: "salam", stream: false, options: { num_predict: 2 } });

describe("several models", () => {
  it("unloads the least recently used idle model beyond --max-loaded", async () => {
    const app = await threeModels({ maxLoadedModels: 2 });
    await use(app, "a");
    await use(app, "b");
    await use(app, "a");
    expect(await running(app)).toEqual(["a", "b"]);
    expect((await use(app, "c")).status).toBe(200);
    expect(await running(app)).toEqual(["a", "c"]);
    await app.atlas.shutdown(0);
  });

  it("keeps the loaded model files within the memory budget", async () => {
    const size = (await stat(await tinyGguf())).size;
    const app = await threeModels({ memoryBudgetBytes: size * 2 + 1 });
    await use(app, "a");
    await use(app, "b");
    await use(app, "c");
    expect(await running(app)).toEqual(["b", "c"]);
    await app.atlas.shutdown(0);
  });

  it("never unloads a busy model: another one gets 503 + Retry-After until it is idle", async () => {
    const app = await threeModels({ maxLoadedModels: 1 }, 5);
    const busy = await post(app, "/api/generate", { model: "a", prompt: "salam" });
    const reader = (busy.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // a is generating now
    const refused = await use(app, "b");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: string }).error).toMatch(/cannot load 'b' now/);
    await reader.cancel();
    let status = 503;
    for (let i = 0; i < 200 && status === 503; i++) {
      status = (await use(app, "b")).status;
      if (status === 503) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(status).toBe(200);
    expect(await running(app)).toEqual(["b"]);
    await app.atlas.shutdown(0);
  });

  it("unloads an idle model when its keep_alive runs out", async () => {
    const app = await threeModels({});
    const res = await post(app, "/api/generate", {
      model: "a",
      prompt: "x",
      stream: false,
      keep_alive: "30ms",
    });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 10_000;
    while ((await running(app)).length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await running(app)).toEqual([]);
    // It loads again on the next request.
    expect((await use(app, "a")).status).toBe(200);
    await app.atlas.shutdown(0);
  });
});
