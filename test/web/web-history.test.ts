/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web chat end to end, history: search across Arabic variants and Arabizi spellings, rename, delete,
 * and an export → import round trip, all through the page against `atlas serve` (seeded through the
 * `/ui/api/import` route with exact text).
 */
import { existsSync, readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type {
  ConversationDetail,
  ConversationSummary,
  ExportFile,
} from "../../src/server/ui/ui-api-types.js";
import { browserSuite, CHROMIUM, fakeServer, type TestServer } from "./web-fixtures.js";
import { RICH_REPLY, seed, TITLES } from "./web-seed.js";

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`web chat e2e skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

/** Titles the conversation list shows, top to bottom. */
function listed(page: Page): Promise<string[]> {
  return page.locator(".conversation-list .conversation .title").allTextContents();
}

/** Types a search and waits until the list shows its results (the list names the query it shows). */
async function search(page: Page, query: string): Promise<string[]> {
  await page.getByRole("searchbox", { name: "Search" }).fill(query);
  await page.waitForFunction(
    (q) => document.querySelector(".conversation-list")?.getAttribute("data-results-for") === q,
    query,
  );
  return listed(page);
}

describe.skipIf(!haveChromium)("web chat, history (Chromium)", () => {
  const suite = browserSuite({ fake: () => fakeServer(0) });
  let ids: Awaited<ReturnType<typeof seed>>;
  let server: TestServer;
  beforeAll(async () => {
    server = suite.server("fake");
    ids = await seed(server.url);
  });
  const open = async (prefs = {}) => {
    const page = await suite.open("fake", "", { language: "en", ...prefs });
    await page.locator(".conversation-list .conversation").first().waitFor();
    return page;
  };

  it("finds conversations by Arabic variants (hamza, tashkeel, tatweel, ة) and by Arabizi spellings", async () => {
    const page = await open();
    expect(await listed(page)).toEqual(expect.arrayContaining(Object.values(TITLES)));
    const cases: [string, string[]][] = [
      ["كيفَاش", [TITLES.rich]],
      ["كيـــفاش", [TITLES.rich]],
      ["مراكش", [TITLES.rich]],
      ["إستعمل", [TITLES.rich]],
      ["kifach", [TITLES.rich]],
      ["marrakech", [TITLES.rich]],
      ["بزاف", [TITLES.rich, TITLES.arabizi]],
      ["خويا", [TITLES.arabizi]],
      ["كاين", [TITLES.arabizi]],
      ["tajine", [TITLES.english, TITLES.rich]],
    ];
    for (const [query, titles] of cases) expect(await search(page, query), query).toEqual(titles);
    await search(page, "kifach");
    await page.locator(".conversation .badge", { hasText: "other spelling" }).waitFor();
    expect(await page.locator(".conversation .snippet").first().textContent()).toContain("كيفاش");

    await page.getByRole("searchbox", { name: "Search" }).fill("zzzz");
    await page.locator(".conversation-list", { hasText: "Nothing found" }).waitFor();
    await page.getByRole("searchbox", { name: "Search" }).press("Escape");
    await expect.poll(() => listed(page)).toEqual(expect.arrayContaining(Object.values(TITLES)));
  });

  it("renames and deletes conversations", async () => {
    const page = await open();
    // A conversation's actions show when it is pointed at (or focused).
    await page.locator(".conversation", { hasText: TITLES.english }).hover();
    await page.getByRole("button", { name: `Rename: ${TITLES.english}` }).click();
    const input = page.getByRole("textbox", { name: "New name" });
    await input.fill("طاجين: الطريقة");
    await input.press("Enter");
    await page.locator(".conversation .title", { hasText: "طاجين: الطريقة" }).waitFor();
    const renamed = (await (
      await fetch(`${server.url}/ui/api/conversations/${ids.english}`)
    ).json()) as ConversationDetail;
    expect(renamed.title).toBe("طاجين: الطريقة");
    expect(await search(page, "الطريقه")).toEqual(["طاجين: الطريقة"]);
    await page.getByRole("searchbox", { name: "Search" }).press("Escape");

    // From the keyboard: focus the conversation, Tab to its actions.
    await page.locator(".conversation", { hasText: TITLES.xss }).locator(".open").focus();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      `Delete: ${TITLES.xss}`,
    );
    await page.keyboard.press("Enter");
    await page
      .getByRole("group", { name: "Delete this conversation?" })
      .getByRole("button", { name: "Yes" })
      .click();
    await expect.poll(() => listed(page)).not.toContain(TITLES.xss);
    expect((await fetch(`${server.url}/ui/api/conversations/${ids.xss}`)).status).toBe(404);
  });

  it("exports every conversation and imports the file back", async () => {
    const page = await open();
    const before = (await (
      await fetch(`${server.url}/ui/api/conversations`)
    ).json()) as ConversationSummary[];
    const downloading = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export" }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^atlas-chat-\d{4}-\d{2}-\d{2}\.json$/);
    const path = await download.path();
    const file = JSON.parse(readFileSync(path, "utf8")) as ExportFile;
    expect(file.conversations.map((c) => c.title).sort()).toEqual(before.map((c) => c.title).sort());

    for (const c of before) await fetch(`${server.url}/ui/api/conversations/${c.id}`, { method: "DELETE" });
    await page.reload();
    await page.locator(".conversation-list .conversation").first().waitFor({ state: "detached" });
    await page.setInputFiles('input[type="file"]', path);
    await page
      .getByRole("status")
      .filter({ hasText: `Imported ${before.length} conversations` })
      .waitFor();
    await expect.poll(() => listed(page)).toEqual(expect.arrayContaining(before.map((c) => c.title)));

    await page.locator(".conversation .title", { hasText: TITLES.rich }).click();
    await page.locator(".message.assistant .message-body table").waitFor();
    const id = new URL(page.url()).hash.replace("#c=", "");
    const back = (await (
      await fetch(`${server.url}/ui/api/conversations/${id}`)
    ).json()) as ConversationDetail;
    expect(back.thread.map((m) => m.content)).toEqual([
      "كيفاش نمشي لمراكش من الرباط؟ عطيني كلشي",
      RICH_REPLY,
    ]);
  });
});
