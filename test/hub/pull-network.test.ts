/**
 * `atlas pull` (pullModel and the CLI) on real networks: the hub unreachable with the revision cached
 * (offline fallback), TRANSFORMERS_OFFLINE, ids typed in another case, refs/ kept true when nothing is
 * downloaded, `~`/`$HOME` paths, the rate-limit progress line. A tiny Gemma-2 served by the mock hub
 * and converted for real.
 */
import { access, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { listModels, pullModel } from "../../src/store/index.js";
import { startMockHub, type MockHub } from "../helpers/mock-hub.js";
import { runCli } from "../helpers/run-cli.js";
import { REPO, startTinyHub, testEnv } from "../store/fixtures.js";
import { scratchDir } from "./fixtures.js";

const FAST = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } as const;
let hub: MockHub;

beforeAll(async () => {
  ({ hub } = await startTinyHub());
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

/** An endpoint nothing listens on (connection refused at once). */
async function deadEndpoint(): Promise<string> {
  const dead = await startMockHub();
  const url = dead.url;
  await dead.close();
  return url;
}

const hfCacheRepo = (env: Record<string, string>): string =>
  join(env["HF_HUB_CACHE"] ?? "", `models--${REPO.replace("/", "--")}`);

describe("offline fallback: the hub cannot be reached", () => {
  it("with the model stored: warns and reports it up to date, after a single try", async () => {
    const env = await testEnv(hub);
    const first = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env, retry: FAST });
    // A hub that answers 503 to everything, counting the tries.
    const down = await startMockHub();
    down.failNext(503, 1000);
    try {
      const warnings: string[] = [];
      const again = await pullModel({
        model: "atlas-chat:2b",
        quant: "q8_0",
        env: { ...env, HF_ENDPOINT: down.url },
        retry: FAST,
        onWarning: (w) => warnings.push(w),
      });
      expect(again).toMatchObject({ status: "up-to-date", path: first.path, sha: first.sha });
      expect(down.requests).toHaveLength(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("the hub answered 503");
      expect(warnings[0]).toContain(`using ${REPO}@main = ${first.sha ?? ""} from the Hugging Face cache`);
    } finally {
      await down.close();
    }
  });

  it("with only the HF cache (store emptied): converts from the cache, with the warning", async () => {
    const env = await testEnv(hub);
    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env, retry: FAST });
    await rm(env["ATLAS_HOME"] ?? "", { recursive: true });
    const warnings: string[] = [];
    const events: string[] = [];
    const result = await pullModel({
      model: "atlas-chat:2b",
      quant: "q8_0",
      env: { ...env, HF_ENDPOINT: await deadEndpoint() },
      retry: FAST,
      onWarning: (w) => warnings.push(w),
      onProgress: (e) => {
        if (e.type === "resolved") events.push(`${e.offline}:${e.fallback === undefined ? "" : "fallback"}`);
      },
    });
    expect(result).toMatchObject({ status: "pulled", source: "converted", downloadedBytes: 0 });
    expect(warnings.join()).toMatch(/cannot reach the hub \(ECONNREFUSED\)/);
    expect(events).toEqual(["true:fallback"]);
  });

  it("with nothing cached: the NETWORK error, after every retry", async () => {
    const env = await testEnv(hub);
    const down = await startMockHub();
    down.failNext(503, 1000);
    try {
      await expect(
        pullModel({ model: "atlas-chat:2b", env: { ...env, HF_ENDPOINT: down.url }, retry: FAST }),
      ).rejects.toSatisfy((e) => isAtlasError(e, "NETWORK") && e.message.includes("after 3 attempts"));
      expect(down.requests).toHaveLength(3);
    } finally {
      await down.close();
    }
  });

  it("an answer from the hub is not a failure to reach it: a missing revision stays NOT_FOUND", async () => {
    const env = await testEnv(hub);
    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env, retry: FAST });
    await expect(
      pullModel({ model: "atlas-chat:2b", quant: "q8_0", revision: "no-such-branch", env, retry: FAST }),
    ).rejects.toSatisfy((e) => isAtlasError(e, "NOT_FOUND"));
  });

  it("TRANSFORMERS_OFFLINE=1 is offline mode, as in huggingface_hub", async () => {
    const env = await testEnv(hub);
    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    hub.reset();
    const offline = await pullModel({
      model: "atlas-chat:2b",
      quant: "q8_0",
      env: { ...env, TRANSFORMERS_OFFLINE: "1" },
    });
    expect(offline.status).toBe("up-to-date");
    expect(hub.requests).toEqual([]);
  });
});

describe("ids in another case", () => {
  it("a lower-case id is the same model: one store entry, one HF cache folder, named as the hub spells it", async () => {
    const env = await testEnv(hub);
    const lower = await pullModel({ model: "mbzuai-paris/atlas-chat-2b", quant: "q8_0", env });
    expect(lower.id).toBe(REPO);
    expect(lower.path).toContain(join("models", "MBZUAI-Paris", "Atlas-Chat-2B"));
    hub.reset();
    const canonical = await pullModel({ model: "MBZUAI-Paris/Atlas-Chat-2B", quant: "q8_0", env });
    expect(canonical).toMatchObject({ status: "up-to-date", path: lower.path });
    const upper = await pullModel({ model: "MBZUAI-PARIS/ATLAS-CHAT-2B", quant: "q8_0", env });
    expect(upper).toMatchObject({ status: "up-to-date", path: lower.path });
    expect(hub.contentRequests()).toEqual([]);
    expect((await listModels({ env })).map((m) => m.id)).toEqual([REPO]);
    expect((await readdir(env["HF_HUB_CACHE"] ?? "")).filter((n) => n.startsWith("models--"))).toEqual([
      `models--${REPO.replace("/", "--")}`,
    ]);
    // Offline, where no hub can say how the id is spelt: the spelling on disk is found.
    hub.reset();
    const offline = await pullModel({
      model: "mbzuai-paris/atlas-chat-2b",
      quant: "q8_0",
      env: { ...env, HF_HUB_OFFLINE: "1" },
    });
    expect(offline).toMatchObject({ status: "up-to-date", path: lower.path, id: REPO });
    expect(hub.requests).toEqual([]);
  });
});

describe("refs/<revision> in the HF cache", () => {
  it("is written when the commit is already in the store (nothing downloaded)", async () => {
    const env = await testEnv(hub);
    const first = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    const ref = join(hfCacheRepo(env), "refs", "main");
    await writeFile(ref, "0".repeat(40));
    const again = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    expect(again.status).toBe("up-to-date");
    expect(await readFile(ref, "utf8")).toBe(first.sha);
  });

  it("is not created for a repo the HF cache does not hold (the user removed it)", async () => {
    const env = await testEnv(hub);
    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    await rm(hfCacheRepo(env), { recursive: true });
    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    await expect(access(hfCacheRepo(env))).rejects.toThrow();
  });
});

describe("paths with ~ and $HOME", () => {
  it("HF_HOME=~/hf and ATLAS_HOME=$HOME/atlas land under $HOME, as Python would put them", async () => {
    const home = await scratchDir("home");
    const cwd = await scratchDir("cwd");
    await mkdir(cwd, { recursive: true });
    const env = {
      HOME: home,
      HF_HOME: "~/hf",
      ATLAS_HOME: "$HOME/atlas",
      HF_ENDPOINT: hub.url,
      HF_TOKEN: "hf_test_token",
    };
    const before = process.cwd();
    process.chdir(cwd);
    try {
      const result = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
      expect(result.path.startsWith(join(home, "atlas", "models"))).toBe(true);
      expect(result.snapshot?.startsWith(join(home, "hf", "hub", `models--${REPO.replace("/", "--")}`))).toBe(
        true,
      );
      expect(await readdir(cwd)).toEqual([]);
    } finally {
      process.chdir(before);
    }
  });
});

describe("atlas pull (CLI)", () => {
  it('shows "rate limited by the hub, waiting N s" and the fallback warning', async () => {
    const limited = await startTinyHub();
    try {
      const env = await testEnv(limited.hub);
      limited.hub.rateLimiter.configure({ api: { quota: 1000, windowSeconds: 2 } });
      limited.hub.rateLimiter.exhaust("api");
      const run = await runCli(["pull", "atlas-chat:2b", "-q", "q8_0"], { env });
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(
        /rate limited by the hub, waiting [23] s \(api limit: 1000 requests per 2 s\)/,
      );
      expect(run.stderr.match(/rate limited by the hub/g)).toHaveLength(1);

      const fallback = await runCli(["pull", "atlas-chat:2b", "-q", "q8_0"], {
        env: { ...env, HF_ENDPOINT: await deadEndpoint() },
      });
      expect(fallback.code).toBe(0);
      expect(fallback.stderr).toMatch(/warning: .*cannot reach the hub \(ECONNREFUSED\)/);
      expect(fallback.stderr).toContain("(the hub could not be reached: from the cache)");
      expect(fallback.stdout).toMatch(/^up to date: /);
    } finally {
      await limited.hub.close();
    }
  }, 30_000);
});
