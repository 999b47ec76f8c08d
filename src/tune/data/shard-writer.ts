/**
 * Writes the rows of one split as numbered shards, each twice: parquet (hyparquet-writer, snappy,
 * `list<int32>` columns, one row group per ~1 M tokens) and JSON lines. Memory holds one row group.
 * Shards get their final names (`train-00000-of-00003.parquet`) when the split is finished.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { ParquetWriter, fileWriter } from "hyparquet-writer";
import { ioError } from "../../core/index.js";
import { sftColumns, type SftRow } from "./sft-columns.js";

/** Rows per row group are capped by tokens (memory) and by count. */
const ROW_GROUP_TOKENS = 1 << 20;
const ROW_GROUP_ROWS = 1000;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];

/** The parquet schema: every column a required `list<int32>`. */
function parquetSchema(columns: readonly string[]): SchemaElement[] {
  return [
    { name: "root", num_children: columns.length },
    ...columns.flatMap((name): SchemaElement[] => [
      { name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: "INT32", repetition_type: "REQUIRED" },
    ]),
  ];
}

/** `[1,2,3]` — typed arrays as JSON without an intermediate JS array. */
function jsonArray(values: Int32Array): string {
  return `[${values.join(",")}]`;
}

/** One row as a JSON line, columns in file order. */
export function jsonLine(row: SftRow, columns: readonly string[]): string {
  const parts = columns.map((c) => `"${c}":${jsonArray(row[c as keyof SftRow]!)}`);
  return `{${parts.join(",")}}\n`;
}

interface OpenShard {
  index: number;
  parquetPath: string;
  jsonlPath: string;
  parquet: ParquetWriter;
  jsonl: WriteStream;
  jsonlError: Error | undefined;
  rows: number;
}

/** The files of one finished split, relative to the output folder. */
export interface SplitFiles {
  parquet: string[];
  jsonl: string[];
}

/** Writes one split (`train` or `validation`) into `<dir>/parquet/` and `<dir>/jsonl/`. */
export class ShardWriter {
  private readonly columns: string[];
  private readonly schema: SchemaElement[];
  private shard: OpenShard | undefined;
  private readonly done: OpenShard[] = [];
  private group: SftRow[] = [];
  private groupTokens = 0;

  constructor(
    private readonly dir: string,
    private readonly split: string,
    packed: boolean,
    private readonly rowsPerShard: number,
  ) {
    this.columns = sftColumns(packed);
    this.schema = parquetSchema(this.columns);
  }

  private open(): OpenShard {
    const index = this.done.length;
    const stem = `${this.split}-${String(index).padStart(5, "0")}`;
    const parquetPath = join(this.dir, "parquet", `${stem}.partial.parquet`);
    const jsonlPath = join(this.dir, "jsonl", `${stem}.partial.jsonl`);
    let parquet: ParquetWriter;
    try {
      parquet = new ParquetWriter({
        writer: fileWriter(parquetPath),
        schema: this.schema,
        createdBy: "atlas-chat",
      });
    } catch (error) {
      throw ioError("cannot create", parquetPath, error);
    }
    const jsonl = createWriteStream(jsonlPath, { flags: "wx" });
    const shard: OpenShard = {
      index,
      parquetPath,
      jsonlPath,
      parquet,
      jsonl,
      jsonlError: undefined,
      rows: 0,
    };
    jsonl.on("error", (error) => (shard.jsonlError = error));
    return shard;
  }

  private async flushGroup(shard: OpenShard): Promise<void> {
    if (this.group.length === 0) return;
    const rows = this.group;
    try {
      // hyparquet-writer returns a promise when its output flushes asynchronously; await it either way.
      await shard.parquet.write({
        columnData: this.columns.map((name) => ({
          name,
          data: rows.map((row) => Array.from(row[name as keyof SftRow]!)),
        })),
        rowGroupSize: rows.length,
      });
    } catch (error) {
      throw ioError("cannot write", shard.parquetPath, error);
    }
    this.group = [];
    this.groupTokens = 0;
  }

  /** Adds a row (waits when the jsonl stream is backed up). */
  async write(row: SftRow): Promise<void> {
    this.shard ??= this.open();
    const shard = this.shard;
    if (shard.jsonlError !== undefined) throw ioError("cannot write", shard.jsonlPath, shard.jsonlError);
    if (!shard.jsonl.write(jsonLine(row, this.columns)))
      await new Promise<void>((resolve) => shard.jsonl.once("drain", resolve).once("error", () => resolve()));
    this.group.push(row);
    this.groupTokens += row.input_ids.length;
    shard.rows++;
    if (this.groupTokens >= ROW_GROUP_TOKENS || this.group.length >= ROW_GROUP_ROWS)
      await this.flushGroup(shard);
    if (shard.rows >= this.rowsPerShard) await this.close(shard);
  }

  private async close(shard: OpenShard): Promise<void> {
    await this.flushGroup(shard);
    try {
      await shard.parquet.finish();
    } catch (error) {
      throw ioError("cannot write", shard.parquetPath, error);
    }
    await new Promise<void>((resolve, reject) => {
      shard.jsonl.end(() => (shard.jsonlError === undefined ? resolve() : reject(shard.jsonlError)));
    }).catch((error: unknown) => {
      throw ioError("cannot write", shard.jsonlPath, error);
    });
    this.done.push(shard);
    this.shard = undefined;
  }

  /** Closes the last shard and gives every shard its final `-of-N` name. */
  async finish(): Promise<SplitFiles> {
    if (this.shard !== undefined) await this.close(this.shard);
    const total = String(this.done.length).padStart(5, "0");
    const files: SplitFiles = { parquet: [], jsonl: [] };
    for (const shard of this.done) {
      const stem = `${this.split}-${String(shard.index).padStart(5, "0")}-of-${total}`;
      for (const [from, kind] of [
        [shard.parquetPath, "parquet"],
        [shard.jsonlPath, "jsonl"],
      ] as const) {
        const name = `${kind}/${stem}.${kind}`;
        try {
          await rename(from, join(this.dir, name));
        } catch (error) {
          throw ioError("cannot rename", from, error);
        }
        files[kind].push(name);
      }
    }
    return files;
  }

  /** Stops writing after a failure (open streams are closed; the caller removes the folder). */
  abandon(): void {
    this.shard?.jsonl.destroy();
    this.shard = undefined;
  }
}
