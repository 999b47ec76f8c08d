/**
 * Where `atlas data build` reads a dataset from: a local file or folder (`--dataset ./my.jsonl`), a
 * `--data-dir` holding `<org>/<name>/…`, or the hub — the dataset repo's own data files at a revision,
 * as Python's `datasets.load_dataset(repo)` reads them, fetched into the HF cache
 * (`datasets--org--name`) by the project's resumable, verified downloader.
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { hfEndpoint, hfHubCache, hfOffline } from "../../config/index.js";
import { AtlasError, ioError } from "../../core/index.js";
import {
  downloadRepoFiles,
  isRepoId,
  listRepoFiles,
  readRef,
  repoCachePaths,
  resolveRevision,
  resolveToken,
  type HubRequestOptions,
} from "../../hub/index.js";
import { dataFormatOf, selectSplitFiles, type DataFormat } from "./split-files.js";

/** One data file to read. */
export interface DatasetFile {
  path: string;
  format: DataFormat;
  /** Path relative to the dataset's root (`data/train-00000-of-00002.parquet`): the default source name. */
  name: string;
}

/** Options of {@link findDatasetFiles}. */
export interface FindDatasetOptions extends Pick<HubRequestOptions, "fetch" | "signal"> {
  /** A local path (file or folder) or a hub dataset id `org/name`. */
  dataset: string;
  /** Split to read (default "train"). */
  split?: string | undefined;
  /** Folder holding `<org>/<name>/…` (no hub access when set). */
  dataDir?: string | undefined;
  /** Hub revision (default "main"). */
  revision?: string | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Bytes downloaded / total, while fetching from the hub. */
  onDownload?: ((done: number, total: number) => void) | undefined;
}

async function listFolder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw ioError("cannot list the dataset folder", dir, error);
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || entry.isSymbolicLink()) out.push(relative(root, path).split(sep).join("/"));
    }
  };
  await walk(root);
  return out;
}

function noFiles(split: string, where: string): AtlasError {
  return new AtlasError("NOT_FOUND", `no .parquet or .jsonl files of split '${split}'`, {
    where,
    hint: "name the files after their split (train.jsonl, data/train-00000-of-00001.parquet) or give one file",
  });
}

/** The split's files under a local folder, or the one local file. */
async function localFiles(path: string, split: string): Promise<DatasetFile[]> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined)
    throw new AtlasError("NOT_FOUND", "no such dataset file or folder", { where: path });
  if (info.isFile()) {
    const format = dataFormatOf(path);
    if (format === undefined)
      throw new AtlasError("UNSUPPORTED", "is neither .parquet nor .jsonl", {
        where: path,
        hint: "atlas data build reads parquet and JSON-lines files",
      });
    return [{ path, format, name: path.split(sep).pop()! }];
  }
  const names = selectSplitFiles(await listFolder(path), split);
  if (names.length === 0) throw noFiles(split, path);
  return names.map((name) => ({ path: join(path, ...name.split("/")), format: dataFormatOf(name)!, name }));
}

/**
 * The files of the dataset's split, in a fixed order (sorted by path), downloading them when needed.
 * @throws AtlasError NOT_FOUND (no such path, dataset, split, or not cached in offline mode), AUTH,
 *   NETWORK, CHECKSUM, UNSUPPORTED (a file of another format), ABORTED
 */
export async function findDatasetFiles(options: FindDatasetOptions): Promise<DatasetFile[]> {
  const split = options.split ?? "train";
  const dataset = options.dataset;
  const local = await stat(dataset).then(
    () => true,
    () => false,
  );
  if (local || !isRepoId(dataset)) return localFiles(dataset, split);
  if (options.dataDir !== undefined) return localFiles(join(options.dataDir, ...dataset.split("/")), split);
  return hubFiles(dataset, split, options);
}

/** Downloads (or finds in the cache) the split's data files of hub dataset `repo`. */
async function hubFiles(repo: string, split: string, options: FindDatasetOptions): Promise<DatasetFile[]> {
  const env = options.env ?? process.env;
  const revision = options.revision ?? "main";
  const paths = repoCachePaths(hfHubCache(env), repo, "dataset");
  if (hfOffline(env)) {
    const sha = await readRef(paths, revision);
    if (sha === undefined)
      throw new AtlasError("NOT_FOUND", `dataset ${repo}@${revision} is not in the cache (offline mode)`, {
        where: paths.root,
        hint: "run once with network access, or give --data-dir with the files",
      });
    return localFiles(paths.snapshotDir(sha), split);
  }
  const endpoint = hfEndpoint(env);
  const token = resolveToken({ env });
  const common = {
    repo,
    repoType: "dataset" as const,
    endpoint,
    token,
    fetch: options.fetch,
    signal: options.signal,
  };
  const { sha } = await resolveRevision({ ...common, revision });
  const listing = await listRepoFiles({ ...common, sha });
  const wanted = new Set(
    selectSplitFiles(
      listing.map((f) => f.path),
      split,
    ),
  );
  const files = listing.filter((f) => wanted.has(f.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
  if (files.length === 0) throw noFiles(split, `${endpoint}/datasets/${repo}/tree/${sha}`);
  const snapshotPaths = await downloadRepoFiles({
    ...common,
    revision,
    sha,
    paths,
    files,
    onProgress: options.onDownload,
  });
  return files.map((file, i) => ({
    path: snapshotPaths[i]!,
    format: dataFormatOf(file.path)!,
    name: file.path,
  }));
}
