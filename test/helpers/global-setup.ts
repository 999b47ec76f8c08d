/** Vitest global setup: one scratch folder for the whole run, removed afterwards. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "atlas-test-"));
  process.env["ATLAS_TEST_TMP"] = root;
  return () => rmSync(root, { recursive: true, force: true });
}
