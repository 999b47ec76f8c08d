/** Helpers for the converter's integration tests: scratch folders, a fake CLI IO, header surgery. */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli as runSharedCli } from "../helpers/run-cli.js";

let counter = 0;

/** A fresh folder under ATLAS_TEST_TMP. */
export async function scratchDir(name: string): Promise<string> {
  const dir = join(process.env["ATLAS_TEST_TMP"]!, "convert", `${name}-${process.pid}-${counter++}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Runs `atlas …args` in-process (see test/helpers/run-cli.ts). */
export async function runCli(
  args: string[],
  signal?: AbortSignal,
): Promise<{ code: number; out: string; err: string }> {
  const run = await runSharedCli(args, { env: {}, ...(signal === undefined ? {} : { signal }) });
  return { code: run.code, out: run.stdout, err: run.stderr };
}

/** Names in `dir` (to check that no temp file was left behind). */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Reads a safetensors file's header and data section. */
export async function readSafetensorsParts(
  path: string,
): Promise<{ header: Record<string, unknown>; data: Buffer }> {
  const bytes = await readFile(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, unknown>;
  return { header, data: bytes.subarray(8 + n) };
}

/** Rewrites a safetensors file with a changed header (data kept; offsets are relative, so they stay valid). */
export async function editSafetensorsHeader(
  path: string,
  edit: (header: Record<string, unknown>) => void,
  data?: (data: Buffer) => Buffer,
): Promise<void> {
  const parts = await readSafetensorsParts(path);
  edit(parts.header);
  const json = Buffer.from(JSON.stringify(parts.header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([prefix, json, data ? data(parts.data) : parts.data]));
}

/** Rewrites a JSON file. */
export async function editJson(path: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
  const value = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  edit(value);
  await writeFile(path, JSON.stringify(value, null, 2));
}
