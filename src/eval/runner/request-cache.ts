/**
 * The on-disk request cache that makes `--resume` work: every finished request's response, keyed by the
 * model's identity and a hash of the request, in SQLite (WAL mode: each finished request is one small
 * committed transaction, so a crash or Ctrl-C loses only the requests still running).
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { AtlasError, errorMessage } from "../../core/index.js";
import type { EvalRequest, EvalResponse } from "./eval-model.js";

/** The key of a request: sha256 of its canonical JSON. */
export function requestKey(request: EvalRequest): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

/** A SQLite-backed map (model id, request) → response. */
export class RequestCache {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string, string], { response: string }>;
  private readonly insert: Database.Statement<[string, string, string, string, number]>;

  /** Opens (creating if needed) the cache file. */
  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS responses (
           model TEXT NOT NULL, key TEXT NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL,
           created_at INTEGER NOT NULL, PRIMARY KEY (model, key))`,
      );
    } catch (error) {
      throw new AtlasError("IO", `cannot open the request cache (${errorMessage(error)})`, {
        where: path,
        cause: error,
      });
    }
    this.select = this.db.prepare("SELECT response FROM responses WHERE model = ? AND key = ?");
    this.insert = this.db.prepare(
      "INSERT OR REPLACE INTO responses (model, key, request, response, created_at) VALUES (?, ?, ?, ?, ?)",
    );
  }

  get(model: string, request: EvalRequest): EvalResponse | undefined {
    const row = this.select.get(model, requestKey(request));
    return row === undefined ? undefined : (JSON.parse(row.response) as EvalResponse);
  }

  put(model: string, request: EvalRequest, response: EvalResponse): void {
    this.insert.run(
      model,
      requestKey(request),
      JSON.stringify(request),
      JSON.stringify(response),
      Date.now(),
    );
  }

  /** Responses stored for `model` (all models when omitted). */
  count(model?: string): number {
    const row =
      model === undefined
        ? this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM responses").get()
        : this.db
            .prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM responses WHERE model = ?")
            .get(model);
    return row?.n ?? 0;
  }

  close(): void {
    this.db.close();
  }
}
