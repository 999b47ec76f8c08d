/**
 * Every token source Python's huggingface_hub reads, in its order, and what happens to a token the hub
 * no longer accepts — against the mock hub, checking the Authorization header each request carried.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import {
  downloadSnapshot,
  parseStoredTokens,
  resolveTokenInfo,
  type DownloadSnapshotOptions,
} from "../../src/hub/index.js";
import { startMockHub, type MockHub } from "../helpers/mock-hub.js";
import { FAST_RETRY, checkpointFiles, scratchDir } from "./fixtures.js";

const PUBLIC = "mock-org/Public-Model";
const GATED = "MBZUAI-Paris/Atlas-Chat-9B";
const GOOD = "hf_good_token";
const EXPIRED = "hf_oauth_expired_token";
let hub: MockHub;

beforeAll(async () => {
  hub = await startMockHub({ tokens: { [GOOD]: ["*"], [EXPIRED]: { repos: ["*"], expired: true } } });
  hub.addRepo({ id: PUBLIC, commits: [{ files: checkpointFiles(31) }] });
  hub.addRepo({ id: GATED, gated: true, commits: [{ files: checkpointFiles(32) }] });
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

/** An HF home with a token file and, optionally, stored_tokens as `hf auth login` writes them. */
async function hfHome(token: string, stored?: string): Promise<string> {
  const home = await scratchDir("hf-home");
  await mkdir(home, { recursive: true });
  await writeFile(join(home, "token"), token);
  if (stored !== undefined) await writeFile(join(home, "stored_tokens"), stored);
  return home;
}

/** stored_tokens as Python's configparser writes it (sections sorted, `key = value`, blank line after). */
function storedTokens(sections: Record<string, Record<string, string>>): string {
  return Object.keys(sections)
    .sort()
    .map(
      (name) =>
        `[${name}]\n${Object.entries(sections[name] ?? {})
          .map(([k, v]) => `${k} = ${v}`)
          .join("\n")}\n\n`,
    )
    .join("");
}

const PAST = String(Math.floor(Date.parse("2024-01-01T00:00:00Z") / 1000));
const FUTURE = String(Math.floor(Date.parse("2099-01-01T00:00:00Z") / 1000));

async function options(
  repo: string,
  extra: Partial<DownloadSnapshotOptions> = {},
): Promise<DownloadSnapshotOptions> {
  return {
    repo,
    endpoint: hub.url,
    cacheDir: await scratchDir("tok-cache"),
    env: {},
    retry: FAST_RETRY,
    ...extra,
  };
}

const sentTokens = (): (string | undefined)[] => [
  ...new Set(hub.requests.filter((r) => r.server === "hub").map((r) => r.headers["authorization"])),
];

describe("token sources, in huggingface_hub's order", () => {
  it("--token, then HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then HF_TOKEN_PATH, then $HF_HOME/token", async () => {
    const home = await hfHome("hf_from_home\n");
    const elsewhere = join(await hfHome("hf_from_token_path\r\n"), "token");
    const all = {
      HF_TOKEN: "hf_env",
      HUGGING_FACE_HUB_TOKEN: "hf_legacy",
      HF_TOKEN_PATH: elsewhere,
      HF_HOME: home,
    };
    const source = (env: Record<string, string>, token?: string) => {
      const info = resolveTokenInfo({ env, token });
      return [info.source, info.token];
    };
    expect(source(all, "hf_flag")).toEqual(["option", "hf_flag"]);
    expect(source(all)).toEqual(["HF_TOKEN", "hf_env"]);
    expect(source({ ...all, HF_TOKEN: "" })).toEqual(["HUGGING_FACE_HUB_TOKEN", "hf_legacy"]);
    // Python: `HF_TOKEN or HUGGING_FACE_HUB_TOKEN`, then cleaned — a blank HF_TOKEN hides the old name.
    expect(source({ ...all, HF_TOKEN: "  " })).toEqual(["file", "hf_from_token_path"]);
    expect(source({ HF_TOKEN_PATH: elsewhere, HF_HOME: home })).toEqual(["file", "hf_from_token_path"]);
    expect(source({ HF_HOME: home })).toEqual(["file", "hf_from_home"]);
    expect(source({ HF_HOME: join(home, "missing") })).toEqual(["none", undefined]);
    // HF_HUB_DISABLE_IMPLICIT_TOKEN: only an explicit token is sent.
    expect(source({ ...all, HF_HUB_DISABLE_IMPLICIT_TOKEN: "1" })).toEqual(["none", undefined]);
    expect(source({ ...all, HF_HUB_DISABLE_IMPLICIT_TOKEN: "1" }, "hf_flag")).toEqual(["option", "hf_flag"]);
  });

  it("each source reaches the hub as the Bearer token of every hub request (never the CDN)", async () => {
    const home = await hfHome(GOOD);
    for (const env of [
      { HF_TOKEN: GOOD },
      { HUGGING_FACE_HUB_TOKEN: GOOD },
      { HF_HOME: home },
      { HF_TOKEN_PATH: join(home, "token") },
    ]) {
      hub.reset();
      await downloadSnapshot(await options(GATED, { env }));
      expect(sentTokens()).toEqual([`Bearer ${GOOD}`]);
      expect(
        hub.requests.filter((r) => r.server === "cdn").every((r) => r.headers["authorization"] === undefined),
      ).toBe(true);
    }
  });

  it("HF_TOKEN_PATH with ~ and $VAR is expanded as Python does", async () => {
    const home = await hfHome(GOOD);
    expect(resolveTokenInfo({ env: { HOME: home, HF_TOKEN_PATH: "~/token" } }).token).toBe(GOOD);
    expect(resolveTokenInfo({ env: { SOMEWHERE: home, HF_TOKEN_PATH: "${SOMEWHERE}/token" } }).token).toBe(
      GOOD,
    );
  });

  it("says that HF_OIDC_RESOURCE (CI trusted publishing) is not exchanged here", () => {
    const info = resolveTokenInfo({ env: { HF_OIDC_RESOURCE: "me/repo", HF_TOKEN: GOOD } });
    expect(info.token).toBe(GOOD);
    expect(info.warnings.join()).toContain("HF_OIDC_RESOURCE");
  });
});

describe("stored_tokens and expiry", () => {
  it("parses configparser's format: sections, = and :, comments, continuation lines, DEFAULT", () => {
    const tokens = parseStoredTokens(
      "# written by hf auth login\n[DEFAULT]\nrefresh_token =\n\n[laptop]\nhf_token = hf_a\nexpires_at = 1700000000\n\n[ci]\nHF_TOKEN: hf_b\nrefresh_token = hf_oauth_r\n  continued\n",
    );
    expect(tokens).toEqual([
      { name: "laptop", token: "hf_a", expiresAt: new Date(1_700_000_000_000), refreshable: false },
      { name: "ci", token: "hf_b", refreshable: true },
    ]);
    const problems: string[] = [];
    expect(parseStoredTokens("[a]\nhf_token = x\n[a]\nhf_token = y\n", (p) => problems.push(p))).toEqual([]);
    expect(problems.join()).toContain("appears twice");
  });

  it("a token file whose stored token has not expired is sent as usual", async () => {
    const home = await hfHome(
      GOOD,
      storedTokens({ laptop: { hf_token: GOOD, refresh_token: "r", expires_at: FUTURE } }),
    );
    const info = resolveTokenInfo({ env: { HF_HOME: home } });
    expect(info).toMatchObject({ token: GOOD, source: "file", name: "laptop" });
    expect(info.expired).toBeUndefined();
  });

  it("an expired stored token on a public repo: says so and what to run, sends no token, downloads", async () => {
    const home = await hfHome(EXPIRED, storedTokens({ "my-login": { hf_token: EXPIRED, expires_at: PAST } }));
    const warnings: string[] = [];
    const result = await downloadSnapshot(
      await options(PUBLIC, { env: { HF_HOME: home }, onWarning: (w) => warnings.push(w) }),
    );
    expect(result.files.length).toBeGreaterThan(0);
    expect(sentTokens()).toEqual([undefined]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("'my-login'");
    expect(warnings[0]).toContain("expired on 2024-01-01T00:00:00Z");
    expect(warnings[0]).toContain("run `hf auth login`");
    expect(warnings[0]).toContain("continuing without a token");
  });

  it("an expired refreshable token: tells how huggingface_hub renews it", async () => {
    const home = await hfHome(
      EXPIRED,
      storedTokens({ oauth: { hf_token: EXPIRED, refresh_token: "hf_oauth_r", expires_at: PAST } }),
    );
    const info = resolveTokenInfo({ env: { HF_HOME: home } });
    expect(info.expired?.refreshable).toBe(true);
    const warnings: string[] = [];
    await downloadSnapshot(
      await options(PUBLIC, { env: { HF_HOME: home }, onWarning: (w) => warnings.push(w) }),
    );
    expect(warnings[0]).toContain("`hf auth whoami`");
  });

  it("an expired stored token on a gated repo: the AUTH error says the token expired and what to run", async () => {
    const home = await hfHome(EXPIRED, storedTokens({ "my-login": { hf_token: EXPIRED, expires_at: PAST } }));
    const error: unknown = await downloadSnapshot(
      await options(GATED, { env: { HF_HOME: home }, onWarning: () => {} }),
    ).catch((e: unknown) => e);
    expect(isAtlasError(error, "AUTH")).toBe(true);
    expect((error as Error).message).toContain(`the model ${GATED} is gated`);
    expect((error as Error).message).toContain("expired on 2024-01-01");
    expect((error as Error).message).toContain("hf auth login");
  });

  it("a token the hub rejects (no expiry recorded) from the environment: warns, then downloads anonymously", async () => {
    const warnings: string[] = [];
    const result = await downloadSnapshot(
      await options(PUBLIC, { env: { HF_TOKEN: EXPIRED }, onWarning: (w) => warnings.push(w) }),
    );
    expect(result.files.length).toBeGreaterThan(0);
    // One request with the token (refused: 401 Invalid credentials), every other one without.
    const withToken = hub.requests.filter((r) => r.headers["authorization"] === `Bearer ${EXPIRED}`);
    expect(withToken.map((r) => r.status)).toEqual([401]);
    expect(warnings.join()).toMatch(/rejects the token from HF_TOKEN \(401.*continuing without a token/);
  });

  it("a --token the hub rejects stays an error (the user asked for that token)", async () => {
    await expect(downloadSnapshot(await options(PUBLIC, { token: EXPIRED }))).rejects.toSatisfy(
      (e) => isAtlasError(e, "AUTH") && e.message.includes("rejected the token"),
    );
  });
});
