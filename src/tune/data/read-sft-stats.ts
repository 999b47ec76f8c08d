/**
 * `atlas data stats DIR`: reads a build's `stats.json` and checks it against the shards on disk (every
 * listed parquet and jsonl file present, row counts as recorded), so a copied or half-synced build is
 * caught before a GPU hour is spent on it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AtlasError, errorMessage, ioError, systemErrorCode } from "../../core/index.js";
import { STATS_VERSION, type SftStats } from "./build-stats.js";
import { countRows } from "./read-rows.js";

/** The stats of a build and what the check of its files found. */
export interface SftStatsReport {
  stats: SftStats;
  /** Per split: rows recorded, and rows found in the parquet and jsonl files. */
  files: Record<string, { recorded: number; parquet: number; jsonl: number }>;
}

function isStats(value: unknown): value is SftStats {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v["version"] === "number" && typeof v["splits"] === "object" && typeof v["totals"] === "object"
  );
}

/**
 * Reads `<dir>/stats.json` and counts the rows of every shard it lists.
 * @throws AtlasError NOT_FOUND (no stats.json, a missing shard), INVALID_MODEL (unreadable stats, row
 *   counts that differ from the record), UNSUPPORTED (a newer stats version)
 */
export async function readSftStats(dir: string): Promise<SftStatsReport> {
  const path = join(dir, "stats.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT")
      throw new AtlasError("NOT_FOUND", "no stats.json here", {
        where: dir,
        hint: "give the --out folder of `atlas data build`",
      });
    throw ioError("cannot read", path, error);
  }
  let stats: unknown;
  try {
    stats = JSON.parse(text);
  } catch (error) {
    throw new AtlasError("INVALID_MODEL", `is not JSON (${errorMessage(error)})`, { where: path });
  }
  if (!isStats(stats))
    throw new AtlasError("INVALID_MODEL", "is not the stats of an `atlas data build`", { where: path });
  if (stats.version > STATS_VERSION)
    throw new AtlasError(
      "UNSUPPORTED",
      `stats version ${stats.version} is newer than this atlas (${STATS_VERSION})`,
      { where: path, hint: "update atlas" },
    );
  const files: SftStatsReport["files"] = {};
  for (const [name, split] of Object.entries(stats.splits)) {
    const count = async (names: readonly string[], format: "parquet" | "jsonl"): Promise<number> => {
      let rows = 0;
      for (const file of names) {
        const full = join(dir, ...file.split("/"));
        try {
          rows += await countRows({ path: full, format, name: file });
        } catch (error) {
          if (error instanceof AtlasError && error.code === "NOT_FOUND")
            throw new AtlasError("NOT_FOUND", `shard ${file} listed in stats.json is missing`, {
              where: dir,
              hint: "copy the whole build folder",
            });
          throw error;
        }
      }
      return rows;
    };
    const found = {
      recorded: split.rows,
      parquet: await count(split.parquet, "parquet"),
      jsonl: await count(split.jsonl, "jsonl"),
    };
    files[name] = found;
    if (found.parquet !== split.rows || found.jsonl !== split.rows)
      throw new AtlasError(
        "INVALID_MODEL",
        `split ${name}: stats.json records ${split.rows} rows but the parquet shards hold ${found.parquet} and the jsonl shards ${found.jsonl}`,
        {
          where: dir,
          hint: "the build is incomplete or was edited: build it again",
        },
      );
  }
  return { stats, files };
}
