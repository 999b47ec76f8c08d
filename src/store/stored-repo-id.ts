/**
 * Hub ids are case-insensitive (`mbzuai-paris/atlas-chat-2b` is `MBZUAI-Paris/Atlas-Chat-2B`), folders
 * are not: without a look-up, a pull typed in lower case would make a second store entry (and a second
 * HF cache folder) for the same model. Online the hub says how it spells the id; offline, these find
 * the spelling already on disk.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { parseRepoId } from "../hub/index.js";
import { storePaths } from "./store-layout.js";

async function entryNamed(folder: string, name: string): Promise<string | undefined> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.includes(name) ? name : names.find((n) => n.toLowerCase() === name.toLowerCase());
}

/** The spelling of `repo` the atlas store already has (`org/name`), or undefined when it has none. */
export async function storedRepoId(atlasHome: string, repo: string): Promise<string | undefined> {
  const { org, name } = parseRepoId(repo);
  const models = storePaths(atlasHome).models;
  const storedOrg = await entryNamed(models, org);
  if (storedOrg === undefined) return undefined;
  const storedName = await entryNamed(join(models, storedOrg), name);
  return storedName === undefined ? undefined : `${storedOrg}/${storedName}`;
}

/** The spelling of `repo` the HF cache already has (`models--Org--Name`), or undefined. */
export async function cachedRepoId(cacheDir: string, repo: string): Promise<string | undefined> {
  const { org, name } = parseRepoId(repo);
  const folder = await entryNamed(cacheDir, `models--${org}--${name}`);
  const match = folder === undefined ? null : /^models--(.+?)--(.+)$/.exec(folder);
  return match === null ? undefined : `${match[1]}/${match[2]}`;
}
