/**
 * A separate process running one pull (for the concurrent-pull test): `node --import tsx pull-child.ts
 * <model> <quant>`, environment from the parent. Prints the PullResult (plus `waited`: it found a lock held) as JSON, or the error and exit 1.
 */
import { pullModel } from "../../src/store/index.js";

const [model = "", quant = ""] = process.argv.slice(2);
try {
  let waited = false;
  const result = await pullModel({
    model,
    quant,
    concurrency: 2,
    retry: { baseDelayMs: 1 },
    lockTimeoutMs: 60_000,
    onProgress: (event) => {
      if (event.type === "waiting" || (event.type === "file" && event.state === "waiting")) waited = true;
    },
  });
  process.stdout.write(`${JSON.stringify({ ...result, waited })}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
