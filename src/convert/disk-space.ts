/** A free-space check before writing gigabytes, so a full disk fails in a second rather than after minutes. */
import { stat, statfs } from "node:fs/promises";
import { AtlasError, formatBytes } from "../core/index.js";

/** One planned write: a folder and the bytes that will land there. */
export interface PlannedWrite {
  folder: string;
  bytes: number;
  what: string;
}

/**
 * Throws IO when a file system lacks room for the planned writes (writes on one device are added up).
 * Does nothing where the platform cannot tell (statfs unsupported).
 */
export async function checkFreeSpace(writes: readonly PlannedWrite[]): Promise<void> {
  const byDevice = new Map<number, { free: number; bytes: number; folder: string; what: string[] }>();
  for (const write of writes) {
    let device: number;
    let free: number;
    try {
      device = (await stat(write.folder)).dev;
      const fs = await statfs(write.folder);
      free = fs.bavail * fs.bsize;
    } catch {
      continue;
    }
    const entry = byDevice.get(device) ?? { free, bytes: 0, folder: write.folder, what: [] };
    entry.bytes += write.bytes;
    entry.what.push(write.what);
    byDevice.set(device, entry);
  }
  for (const entry of byDevice.values())
    if (entry.bytes > entry.free)
      throw new AtlasError(
        "IO",
        `not enough disk space: ${entry.what.join(" + ")} need${entry.what.length === 1 ? "s" : ""} about ${formatBytes(entry.bytes)} but only ${formatBytes(entry.free)} is free`,
        { where: entry.folder, hint: "free some space or choose another output path (or --tmp-dir)" },
      );
}
