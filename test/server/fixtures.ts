/** Shared fixtures of the server tests: apps over the fake engine or a generated tiny model. */
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { FakeEngine, type FakeEngineOptions } from "../../src/engine/index.js";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { createApp, type AtlasApp, type CreateAppOptions } from "../../src/server/index.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

/** A fresh ATLAS_HOME under the test scratch folder. */
export async function scratchHome(prefix = "serve-"): Promise<string> {
  return mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", prefix));
}

/** The tiny model's F32 GGUF (real metadata for /api/tags and /api/show). */
export async function tinyGguf(): Promise<string> {
  return (await tinyModel()).gguf("f32");
}

/** An app serving the tiny GGUF as "tiny" on the fake engine (deterministic replies). */
export async function fakeApp(
  options: Partial<CreateAppOptions> = {},
  fake: FakeEngineOptions = { reply: (prompt) => `salam ${prompt.length}` },
): Promise<AtlasApp> {
  return createApp({
    models: [{ name: "tiny", path: await tinyGguf() }],
    env: { ATLAS_HOME: await scratchHome() },
    ...options,
    loadOptions: { engine: new FakeEngine(fake), ...options.loadOptions },
  });
}

/** POSTs JSON to an app. */
export function post(app: AtlasApp, path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    }),
  );
}

/** `atlas serve …` running in-process: its URL once it listens, its output, and a way to stop it. */
export interface ServeRun {
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Ctrl-C; resolves to the exit code. */
  stop(): Promise<number>;
}

/** Starts `atlas serve` with `args` (plus --port 0) and waits until it prints its URL. */
export async function startServe(args: string[], env: Record<string, string | undefined>): Promise<ServeRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  const controller = new AbortController();
  let listening: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (listening = resolve));
  stdout.on("data", (d: Buffer) => {
    out += d.toString("utf8");
    const match = /listening on (\S+)/.exec(out);
    if (match !== null) listening(match[1]!);
  });
  stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const io: CliIO = { stdout, stderr, stdin: new PassThrough(), env, signal: controller.signal };
  const exit = main(["serve", "--port", "0", ...args], io);
  const first = await Promise.race([url, exit.then((code) => ({ code }))]);
  if (typeof first !== "string") throw new Error(`atlas serve exited with ${first.code}: ${err}`);
  return {
    url: first,
    stdout: () => out,
    stderr: () => err,
    stop: () => {
      controller.abort();
      return exit;
    },
  };
}

/** One request-mapper fixture: a wire body and the call it maps to, or the field-named error it raises. */
interface MapperFixture {
  name: string;
  route: string;
  body: Record<string, unknown>;
  expect?: Record<string, unknown>;
  error?: { field: string; message: string };
}

/** One test per fixture of `file`, each mapped by the parser of its route. */
export function itMapsFixtures(
  file: URL,
  parsers: Record<string, (body: Record<string, unknown>) => unknown>,
): void {
  const fixtures = JSON.parse(readFileSync(file, "utf8")) as MapperFixture[];
  for (const fixture of fixtures) {
    it(fixture.name, () => {
      const parse = parsers[fixture.route]!;
      if (fixture.error === undefined) {
        const call = parse(fixture.body) as Record<string, unknown>;
        expect(call).toMatchObject(fixture.expect!);
        if (fixture.expect!.request === undefined && "request" in call) expect(call.request).toBeUndefined();
        return;
      }
      let thrown: unknown;
      try {
        parse(fixture.body);
      } catch (error) {
        thrown = error;
      }
      expect(isAtlasError(thrown, "BAD_ARGUMENT"), String(thrown)).toBe(true);
      if (isAtlasError(thrown)) {
        expect(thrown.details.field).toBe(fixture.error.field);
        expect(thrown.message).toContain(fixture.error.message);
      }
    });
  }
}
