/**
 * A run folder: `results.json` (lm-evaluation-harness layout) and one `samples_<task>.jsonl` per task,
 * each written through a temporary file and a rename so a reader never sees half a file.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AtlasError, errorMessage, ioError, writeFileAtomic } from "../../core/index.js";
import type { EvaluationResult } from "../runner/run-evaluation.js";
import type { ResultsJson } from "../runner/results-layout.js";

/** The results file of a run folder. */
export const RESULTS_FILE = "results.json";
/** The request cache of a run folder (what `--resume` reads). */
export const CACHE_FILE = "requests.sqlite";

/** JSON with NaN/Infinity as null (JSON has no NaN). */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
    2,
  );
}

/** Writes results.json and the per-task samples into `dir`; returns the files written. */
export async function writeRun(dir: string, result: EvaluationResult): Promise<string[]> {
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw ioError("cannot create the output folder", dir, error);
  });
  const written: string[] = [];
  for (const [task, records] of result.samples) {
    const path = join(dir, `samples_${task}.jsonl`);
    await writeFileAtomic(
      path,
      records
        .map((r) =>
          JSON.stringify(r, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v)),
        )
        .join("\n") + "\n",
    );
    written.push(path);
  }
  const results = join(dir, RESULTS_FILE);
  await writeFileAtomic(results, `${toJson(result.results)}\n`);
  written.push(results);
  return written;
}

/** Reads a run folder's results.json. */
export async function readRunResults(dir: string): Promise<ResultsJson> {
  const path = join(dir, RESULTS_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw ioError("cannot read the run's results", path, error);
  }
  try {
    const parsed = JSON.parse(text) as ResultsJson;
    if (typeof parsed.results !== "object" || parsed.results === null) throw new Error("no 'results' object");
    return parsed;
  } catch (error) {
    throw new AtlasError("INVALID_MODEL", `not an evaluation results file (${errorMessage(error)})`, {
      where: path,
    });
  }
}
