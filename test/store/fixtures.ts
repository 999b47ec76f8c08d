/** Shared fixtures of the store tests: a tiny Gemma-2 checkpoint served by a mock hub. */
import { join } from "node:path";
import { extraRepoFiles, mockFilesFromFolder, startMockHub, type MockHub } from "../helpers/mock-hub.js";
import { writeGemma2Checkpoint, type WrittenCheckpoint } from "../helpers/tiny-gemma2.js";
import { scratchDir } from "../hub/fixtures.js";

export { scratchDir };

/** The repo id the tests pull (the real 2B's id, served by the mock). */
export const REPO = "MBZUAI-Paris/Atlas-Chat-2B";
/** A token the mock hub knows, with access to every gated repo. */
export const TOKEN = "hf_test_token";

/** A mock hub serving a tiny Gemma-2 as a gated `MBZUAI-Paris/Atlas-Chat-2B`, plus the checkpoint itself. */
export async function startTinyHub(): Promise<{ hub: MockHub; checkpoint: WrittenCheckpoint }> {
  const checkpoint = await writeGemma2Checkpoint(join(await scratchDir("ckpt"), "tiny"), {
    tokenizerJson: true,
  });
  const files = [...(await mockFilesFromFolder(checkpoint.dir)), ...extraRepoFiles()];
  const hub = await startMockHub({ tokens: { [TOKEN]: ["*"] } });
  hub.addRepo({ id: REPO, gated: true, commits: [{ files }] });
  return { hub, checkpoint };
}

/** The env a test pull runs with: everything under the test scratch dir, never ~/.cache or ~/.atlas. */
export async function testEnv(
  hub: MockHub,
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const root = await scratchDir("env");
  return {
    HF_ENDPOINT: hub.url,
    HF_TOKEN: TOKEN,
    HF_HUB_CACHE: join(root, "hf-cache"),
    HF_HOME: join(root, "hf-home"),
    ATLAS_HOME: join(root, "atlas"),
    ...extra,
  };
}
