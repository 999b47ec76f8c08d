/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web chat end to end, live generation: Chromium (playwright-core) against `atlas serve` on the
 * generated tiny model (llama.cpp: real tokens, gibberish text) and on the fake engine (scripted text at a
 * set pace). Sending and streaming, Stop, Regenerate and flipping alternatives, Edit-and-resend, reload,
 * task presets, keyboard use.
 */
import { existsSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ConversationDetail, UiConfig } from "../../src/server/ui/ui-api-types.js";
import { translatePrompt } from "../../src/templates/index.js";
import {
  browserSuite,
  CHROMIUM,
  recordStreaming,
  streamFrames,
  fakeServer,
  SCRIPTED_REPLIES,
  TEST_SYSTEM_PROMPT,
  tinyModelServer,
  type PagePrefs,
  type TestServer,
} from "./web-fixtures.js";

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`web chat e2e skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

/** Sends `text` from the composer and waits until its answer is stored (its stats line shows). */
async function ask(page: Page, text: string): Promise<void> {
  const answers = await page.locator(".message.assistant").count();
  await page.locator("#composer-input").fill(text);
  await page.keyboard.press("Enter");
  await page.locator(".message.assistant").nth(answers).locator("[data-testid=stats]").waitFor();
}

/** The conversation open in the page (from its URL), as the server has it. */
async function shown(page: Page, server: TestServer): Promise<ConversationDetail> {
  const id = new URL(page.url()).hash.replace("#c=", "");
  return (await (await fetch(`${server.url}/ui/api/conversations/${id}`)).json()) as ConversationDetail;
}

describe.skipIf(!haveChromium)("web chat, live answers (Chromium)", () => {
  const suite = browserSuite({ tiny: tinyModelServer, fake: () => fakeServer(2) });
  const open = (name: "tiny" | "fake", prefs: PagePrefs) => suite.open(name, "", prefs);

  it("streams an answer of the tiny model with its tokens/s, and finds it again after a reload", async () => {
    const page = await open("tiny", { language: "en", settings: { maxTokens: 24, deterministic: true } });
    await ask(page, "salam, labas?");
    const stats = await page.locator(".message.assistant [data-testid=stats]").first().textContent();
    const [, rate, count] = /^(\d+\.\d) tokens\/s · (\d+) tokens$/.exec(stats ?? "") ?? [];
    expect(Number(rate)).toBeGreaterThan(0);
    const reply = await page.locator(".message.assistant .message-body").first().textContent();
    expect(reply?.trim()).not.toBe("");
    const stored = await shown(page, suite.server("tiny"));
    expect(stored.thread.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(stored.thread[1]!.stats?.evalCount).toBe(Number(count));
    expect(Number(count)).toBeLessThanOrEqual(24);

    await page.reload();
    await page.locator(".conversation .title", { hasText: "salam, labas?" }).waitFor();
    await expect
      .poll(() => page.locator(".message.assistant .message-body").first().textContent())
      .toBe(reply);
    // A second question goes with the whole history (real multi-turn): the server sees 3 messages.
    await ask(page, "wach fhamtini?");
    const again = await shown(page, suite.server("tiny"));
    expect(again.thread.map((m) => m.content.length > 0)).toEqual([true, true, true, true]);
  });

  it("shows the answer growing while it streams", async () => {
    const page = await open("fake", { language: "en", settings: { deterministic: true } });
    await recordStreaming(page);
    await ask(page, "[stream] please");
    const lengths = (await streamFrames(page)).map((f) => f.length);
    const distinct = [...new Set(lengths)].filter((n) => n > 0);
    expect(distinct.length).toBeGreaterThan(3);
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));
    await expect
      .poll(async () => (await page.locator(".message.assistant .message-body").textContent())?.trim())
      .toBe(SCRIPTED_REPLIES["[stream]"]!.trim());
  });

  it("stops an answer with Stop (and with Escape), keeping what was written", async () => {
    const page = await open("fake", { language: "en", settings: { deterministic: true } });
    await page.locator("#composer-input").fill("[long] tell me everything");
    await page.keyboard.press("Enter");
    const body = page.locator(".message.streaming .message-body");
    await expect.poll(async () => (await body.textContent())?.length ?? 0).toBeGreaterThan(40);
    await page.getByRole("button", { name: "Stop" }).click();
    const stats = page.locator(".message.assistant [data-testid=stats]");
    await expect.poll(() => stats.textContent()).toMatch(/stopped/);
    const full = SCRIPTED_REPLIES["[long]"]!;
    const kept = (await shown(page, suite.server("fake"))).thread[1]!;
    expect(kept.stats?.doneReason).toBe("aborted");
    expect(kept.content.length).toBeGreaterThan(40);
    expect(kept.content.length).toBeLessThan(full.length);
    expect(full.startsWith(kept.content)).toBe(true);

    await page.locator("#composer-input").fill("[long] again");
    await page.keyboard.press("Enter");
    await expect.poll(async () => (await body.textContent())?.length ?? 0).toBeGreaterThan(10);
    await page.keyboard.press("Escape");
    await expect.poll(() => stats.nth(1).textContent()).toMatch(/stopped/);
  });

  it("regenerates with earlier answers kept as alternatives, flips through them, edits and resends", async () => {
    const page = await open("tiny", { language: "en", settings: { maxTokens: 12 } });
    await ask(page, "3awd liya chi 7aja");
    const body = page.locator(".message.assistant .message-body");
    const first = await body.textContent();
    await page.getByRole("button", { name: "Regenerate" }).click();
    const count = page.locator(".message.assistant .alt-count");
    await expect.poll(() => count.textContent()).toBe("2/2");
    await page.locator(".message.assistant [data-testid=stats]").waitFor();
    const second = await body.textContent();
    const stored = await shown(page, suite.server("tiny"));
    expect(stored.thread[1]!.siblings).toHaveLength(2);
    expect(stored.thread[1]!.stats?.evalCount).toBe(12);

    await page.getByRole("button", { name: "Previous answer" }).click();
    await expect.poll(() => count.textContent()).toBe("1/2");
    expect(await body.textContent()).toBe(first);
    await page.getByRole("button", { name: "Next answer" }).click();
    await expect.poll(() => count.textContent()).toBe("2/2");
    expect(await body.textContent()).toBe(second);

    await page.getByRole("button", { name: "Edit" }).click();
    await page.getByRole("textbox", { name: "Edit" }).fill("chno smitek?");
    await page.getByRole("button", { name: "Save & send" }).click();
    const question = page.locator(".message.user .alt-count");
    await expect.poll(() => question.textContent()).toBe("2/2");
    await page.locator(".message.assistant [data-testid=stats]").waitFor();
    const edited = await shown(page, suite.server("tiny"));
    expect(edited.thread.map((m) => m.content.slice(0, 12))).toEqual(["chno smitek?", expect.any(String)]);
    expect(edited.thread[0]!.siblings).toHaveLength(2);
    await page.locator(".message.user").getByRole("button", { name: "Previous answer" }).click();
    await expect
      .poll(() => page.locator(".message.user .message-body").textContent())
      .toBe("3awd liya chi 7aja");
    await expect.poll(() => count.textContent()).toBe("2/2");
  });

  it("sends a task preset wrapped in the CLI's own prompt", async () => {
    const page = await open("fake", { language: "ary", settings: { deterministic: true } });
    const config = (await (await fetch(`${suite.server("fake").url}/ui/api/config`)).json()) as UiConfig;
    expect(config.presets).toHaveLength(8);
    await page.locator("#composer-input").fill("  The weather is nice today.  ");
    await page.locator('[data-preset="translate-darija"]').click();
    await page.locator(".message.assistant [data-testid=stats]").waitFor();
    expect((await shown(page, suite.server("fake"))).thread[0]!.content).toBe(
      translatePrompt("The weather is nice today.", "darija"),
    );
    await page.locator('[data-preset="summarize"]').click();
    await page.getByRole("status").filter({ hasText: "كتب النص الأول" }).waitFor();
  });

  it("sends the settings panel's system prompt and sampling, and copies an answer", async () => {
    const page = await open("fake", { language: "en" });
    await page.getByRole("button", { name: "Settings" }).click();
    const system = page.getByLabel("System prompt");
    await system.fill(TEST_SYSTEM_PROMPT);
    await system.blur();
    await page.getByLabel("Deterministic").check();
    expect(await page.getByLabel("Temperature").isDisabled()).toBe(true);
    const maxTokens = page.getByLabel("Max tokens");
    await maxTokens.fill("400");
    await maxTokens.blur();
    await page.getByRole("button", { name: "Close" }).click();
    await ask(page, "[system?] wach kayn?");
    const stored = await shown(page, suite.server("fake"));
    expect(stored.settings).toEqual({ system: TEST_SYSTEM_PROMPT, deterministic: true, maxTokens: 400 });
    expect(stored.thread[1]!.content).toBe("system prompt: received");

    await page.locator(".message.assistant").getByRole("button", { name: "Copy" }).click();
    await page.locator(".message.assistant").getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("system prompt: received");
  });

  it("works from the keyboard alone", async () => {
    const page = await open("fake", { language: "en", settings: { deterministic: true } });
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip-link");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("composer-input");
    await page.keyboard.type("salam");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("labas?");
    await page.keyboard.press("Enter");
    await page.locator(".message.assistant [data-testid=stats]").waitFor();
    expect((await shown(page, suite.server("fake"))).thread[0]!.content).toBe("salam\nlabas?");
    await page.keyboard.press("Control+k");
    await expect.poll(() => page.evaluate(() => document.activeElement?.className)).toBe("search-input");
    await page.keyboard.press("Control+Shift+O");
    await expect.poll(() => page.locator(".message").count()).toBe(0);
    await expect.poll(() => new URL(page.url()).hash).toBe("");
  });
});
