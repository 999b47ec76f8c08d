/** Writes small parquet files with the column types the hub's datasets use (strings, int64, lists, messages). */
import { writeFile } from "node:fs/promises";
import { parquetWriteBuffer } from "hyparquet-writer";

/** A column of a generated parquet file. */
export interface ParquetColumn {
  name: string;
  type: "string" | "int64" | "string-list" | "messages";
}

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]["schema"]>[number];

function schemaOf(column: ParquetColumn): SchemaElement[] {
  const utf8 = (name: string): SchemaElement => ({
    name,
    type: "BYTE_ARRAY",
    converted_type: "UTF8",
    repetition_type: "OPTIONAL",
  });
  switch (column.type) {
    case "string":
      return [utf8(column.name)];
    case "int64":
      return [{ name: column.name, type: "INT64", repetition_type: "OPTIONAL" }];
    case "string-list":
      return [
        { name: column.name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        utf8("element"),
      ];
    case "messages":
      return [
        { name: column.name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
        utf8("content"),
        utf8("role"),
      ];
  }
}

/** Parquet bytes of `rows` (snappy pages, like the hub's converter writes). */
export function parquetBytes(
  rows: readonly Record<string, unknown>[],
  columns: readonly ParquetColumn[],
): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({
      name: c.name,
      data: rows.map((r) => (c.type === "int64" ? BigInt(r[c.name] as number) : r[c.name])) as never,
    })),
    schema: [{ name: "root", num_children: columns.length }, ...columns.flatMap(schemaOf)],
  });
  return new Uint8Array(buffer);
}

/** Writes a parquet file. */
export async function writeParquet(
  path: string,
  rows: readonly Record<string, unknown>[],
  columns: readonly ParquetColumn[],
): Promise<void> {
  await writeFile(path, parquetBytes(rows, columns));
}
