/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Fixtures of the web chat's end-to-end tests: `atlas serve` apps on 127.0.0.1 (createApp + listen) over
 * the generated tiny model, either on llama.cpp (real generation) or on the fake engine with scripted
 * replies (exact text: XSS, mixed directions, code, slow streams), and Debian's Chromium driven by
 * playwright-core.
 */
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { FakeEngine } from "../../src/engine/index.js";
import { DEFAULT_WEB_ROOT } from "../../src/server/ui/static-page.js";
import { createApp, listen, type ListeningServer } from "../../src/server/index.js";
import { scratchHome, tinyGguf } from "../server/fixtures.js";

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** Where the screenshots go (kept after the run): $ATLAS_WEB_SCREENSHOTS or <tmp>/atlas-web-screenshots. */
export const SCREENSHOT_DIR = process.env["ATLAS_WEB_SCREENSHOTS"] ?? join(tmpdir(), "atlas-web-screenshots");

/** Flags that keep Chromium from calling out of this closed network (and from sandboxing as root). */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Replies of the fake model, chosen by a tag in the last question. ASCII only: the fake engine spells a
 * reply byte by byte and miscounts bytes after an incomplete UTF-8 sequence (src/engine/fake-engine.ts),
 * so Arabic letters travel as HTML character references, which markdown turns into the letters.
 */
export const SCRIPTED_REPLIES: Readonly<Record<string, string>> = {
  "[xss]":
    'Reply with HTML: <img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script> ' +
    'and <a href="javascript:window.__xss=3">a link</a> and [another](javascript:window.__xss=4) ' +
    "and ![picture](http://203.0.113.9/pixel.png) <svg onload=window.__xss=5></svg> done.",
  "[digits]": `2024: ${references("كان عام زوين بزاف، والماتش ديال المنتخب كان واعر.")}`,
  "[long]": "hada jawab twil bzaf bach njerbo l-wqif dyal l-jawab. ".repeat(60),
  "[stream]": "salam khouya! hada jawab kaytketeb b chwiya b chwiya bach nchoufo l-streaming. ".repeat(3),
};

/** Text as HTML numeric character references (ASCII). */
export function references(text: string): string {
  return [...text].map((ch) => (ch.charCodeAt(0) < 128 ? ch : `&#${ch.codePointAt(0)};`)).join("");
}

/** A system prompt the tests set through the settings panel; the fake model says whether it saw it. */
export const TEST_SYSTEM_PROMPT = "Jawb dima b darija.";

/** The fake model's answer to a prompt: the scripted reply whose tag the last question holds. */
export function scriptedReply(prompt: string): string {
  const lastTurn = prompt.slice(prompt.lastIndexOf("<start_of_turn>user"));
  if (lastTurn.includes("[system?]"))
    return prompt.includes(TEST_SYSTEM_PROMPT) ? "system prompt: received" : "system prompt: missing";
  for (const [tag, reply] of Object.entries(SCRIPTED_REPLIES)) if (lastTurn.includes(tag)) return reply;
  return "salam! labas 3lik? hada jawab qsir.";
}

/** A listening server and its home. */
export interface TestServer {
  url: string;
  home: string;
  close(): Promise<void>;
}

/** `atlas serve` on the fake engine (scripted replies, one byte per `stepDelayMs`). */
export async function fakeServer(stepDelayMs: number): Promise<TestServer> {
  const home = await scratchHome("web-fake-");
  const app = createApp({
    models: [{ name: "tiny", path: await tinyGguf() }],
    env: { ATLAS_HOME: home },
    // The fake's tokens are bytes: a context of 16k bytes holds the seeded conversations.
    loadOptions: { engine: new FakeEngine({ reply: scriptedReply, stepDelayMs }), contextSize: 16384 },
  });
  return serverOf(await listen(app, { port: 0 }), home);
}

/** `atlas serve` on llama.cpp with the generated tiny model (random weights: gibberish, real tokens). */
export async function tinyModelServer(): Promise<TestServer> {
  const home = await scratchHome("web-tiny-");
  const app = createApp({
    models: [{ name: "tiny", path: await tinyGguf() }],
    env: { ATLAS_HOME: home },
    loadOptions: { contextSize: 512, sequences: 2 },
  });
  return serverOf(await listen(app, { port: 0 }), home);
}

function serverOf(server: ListeningServer, home: string): TestServer {
  return { url: server.url, home, close: () => server.close(1000) };
}

/** Is the page built (npm run build)? The e2e tests need dist/web. */
export function pageIsBuilt(): boolean {
  return existsSync(join(DEFAULT_WEB_ROOT, "index.html"));
}

/** Headless Chromium with a fresh profile (playwright-core makes a new --user-data-dir per launch). */
export function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Page preferences set before the page loads (localStorage of the server's origin). */
export interface PagePrefs {
  language?: "ary" | "en" | "fr";
  theme?: "light" | "dark" | "system";
  direction?: "auto" | "rtl" | "ltr";
  settings?: Record<string, unknown>;
}

const PAGE_ERRORS = new WeakMap<Page, Error[]>();
const PAGE_REQUESTS = new WeakMap<Page, string[]>();

/** Uncaught errors of a page opened by {@link openPage}. */
export function pageErrors(page: Page): Error[] {
  return PAGE_ERRORS.get(page) ?? [];
}

/** URLs of every request of a page opened by {@link openPage}, from its first load. */
export function pageRequests(page: Page): string[] {
  return PAGE_REQUESTS.get(page) ?? [];
}

/** A new page (own context: own storage) at `url` with `prefs`, waiting for the model list. */
export async function openPage(
  browser: Browser,
  url: string,
  prefs: PagePrefs = {},
  viewport = { width: 1280, height: 800 },
): Promise<Page> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
  await context.addInitScript(
    (saved: string) => {
      if (localStorage.getItem("atlas.prefs") === null) localStorage.setItem("atlas.prefs", saved);
    },
    JSON.stringify({ model: "tiny", ...prefs }),
  );
  const page = await context.newPage();
  const errors: Error[] = [];
  const requests: string[] = [];
  PAGE_ERRORS.set(page, errors);
  PAGE_REQUESTS.set(page, requests);
  page.on("pageerror", (error) => errors.push(error));
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(url);
  await page.waitForFunction(
    () => document.querySelector<HTMLSelectElement>('select[name="model"]')?.value === "tiny",
  );
  return page;
}

/** The computed CSS `direction` of the first element matching `selector`. */
export function directionOf(page: Page, selector: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .evaluate((el) => getComputedStyle(el).direction);
}

/** What {@link browserSuite} gives a test file. */
export interface BrowserSuite<K extends string> {
  server(name: K): TestServer;
  /** A page on server `name` at `path` (closed and checked after the test). */
  open(name: K, path: string, prefs?: PagePrefs, viewport?: { width: number; height: number }): Promise<Page>;
}

/**
 * The hooks of a browser test file (call inside `describe`): Chromium and the servers start once; after
 * each test every page it opened must have had no uncaught error and no request to another machine, and
 * is closed.
 */
export function browserSuite<K extends string>(
  servers: Record<K, () => Promise<TestServer>>,
): BrowserSuite<K> {
  let browser: Browser | undefined;
  const running = new Map<K, TestServer>();
  const pages: Page[] = [];
  beforeAll(async () => {
    if (!pageIsBuilt()) throw new Error("the web page is not built: run `npm run build` first");
    const names = Object.keys(servers) as K[];
    const [launched, ...started] = await Promise.all([launchChromium(), ...names.map((n) => servers[n]())]);
    browser = launched;
    names.forEach((n, i) => running.set(n, started[i]!));
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([...running.values()].map((s) => s.close()));
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) {
      expect(pageErrors(page)).toEqual([]);
      // Nothing the page asked for came from another machine: scripts, fonts, API calls are all ours.
      const origin = new URL(page.url()).origin;
      expect(pageRequests(page).filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
      await page.context().close();
    }
  });
  const server = (name: K): TestServer => running.get(name)!;
  return {
    server,
    async open(name, path, prefs = {}, viewport) {
      const page = await openPage(browser!, `${server(name).url}/${path}`, prefs, viewport);
      pages.push(page);
      return page;
    },
  };
}

/** What a streaming answer looked like at one DOM change: its text length and computed directions. */
export interface StreamFrame {
  length: number;
  /** Direction of the answer's body / of its first block. */
  dir: string;
  firstBlockDir: string;
}

/** Starts recording every DOM change of the streaming answer (read with {@link streamFrames}). */
export function recordStreaming(page: Page): Promise<void> {
  return page.evaluate(() => {
    const frames: StreamFrame[] = [];
    (window as unknown as { frames: StreamFrame[] }).frames = frames;
    new MutationObserver(() => {
      const body = document.querySelector(".message.streaming .message-body");
      const length = body?.textContent?.length ?? 0;
      if (body === null || length === 0) return;
      const first = body.firstElementChild;
      frames.push({
        length,
        dir: getComputedStyle(body).direction,
        firstBlockDir: first === null ? "" : getComputedStyle(first).direction,
      });
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

/** The frames recorded since {@link recordStreaming}. */
export function streamFrames(page: Page): Promise<StreamFrame[]> {
  return page.evaluate(() => (window as unknown as { frames: StreamFrame[] }).frames);
}
