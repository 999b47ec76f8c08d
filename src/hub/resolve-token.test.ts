import { mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveToken } from "./resolve-token.js";

describe("resolveToken", () => {
  it("prefers --token, then HF_TOKEN, then $HF_HOME/token", async () => {
    const home = await mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", "hf-home-"));
    await writeFile(join(home, "token"), "hf_from_file\n");
    expect(resolveToken({ token: "hf_flag", env: { HF_TOKEN: "hf_env", HF_HOME: home } })).toBe("hf_flag");
    expect(resolveToken({ env: { HF_TOKEN: "hf_env", HF_HOME: home } })).toBe("hf_env");
    expect(resolveToken({ env: { HF_TOKEN: " ", HF_HOME: home } })).toBe("hf_from_file");
    expect(resolveToken({ env: { HF_HOME: join(home, "missing") } })).toBeUndefined();
  });
});
