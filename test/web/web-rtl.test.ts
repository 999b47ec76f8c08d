/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web chat end to end, rendering: every block's computed direction, mixed Arabic/Latin text in
 * logical order, no sideways jump while an Arabic answer streams, the direction override, replies full of
 * HTML staying inert, nothing fetched from another machine, and screenshots (light/dark, desktop/phone,
 * Darija/English) saved for a person to look at.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  browserSuite,
  CHROMIUM,
  directionOf,
  fakeServer,
  pageRequests,
  recordStreaming,
  SCREENSHOT_DIR,
  streamFrames,
  type PagePrefs,
} from "./web-fixtures.js";
import { seed, TITLES } from "./web-seed.js";

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`web chat e2e skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

/** Horizontal extent of each of `parts` inside the text of `element`. */
function extents(element: Locator, parts: string[]): Promise<{ left: number; right: number }[]> {
  return element.evaluate((el, words) => {
    const text = [...el.childNodes].find((n): n is Text => n instanceof Text && n.data.includes(words[0]!))!;
    return words.map((w) => {
      const at = text.data.indexOf(w);
      const range = document.createRange();
      range.setStart(text, at);
      range.setEnd(text, at + w.length);
      const box = range.getBoundingClientRect();
      return { left: box.left, right: box.right };
    });
  }, parts);
}

describe.skipIf(!haveChromium)("web chat, rendering (Chromium)", () => {
  const suite = browserSuite({ fake: () => fakeServer(2) });
  let ids: Awaited<ReturnType<typeof seed>>;
  beforeAll(async () => {
    ids = await seed(suite.server("fake").url);
  });
  const open = (path: string, prefs: PagePrefs, viewport?: { width: number; height: number }) =>
    suite.open("fake", path, prefs, viewport);

  it("gives every block the direction of its own text, and code always LTR", async () => {
    const page = await open(`#c=${ids.rich}`, { language: "en" });
    const reply = ".message.assistant .message-body";
    await page.locator(`${reply} table`).waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe("ltr");
    expect(await directionOf(page, ".message.user .message-body")).toBe("rtl");
    expect(await directionOf(page, reply)).toBe("rtl");
    const paragraphs = page.locator(`${reply} > p`);
    expect(await paragraphs.nth(0).evaluate((p) => getComputedStyle(p).direction)).toBe("rtl");
    expect(await paragraphs.nth(1).evaluate((p) => getComputedStyle(p).direction)).toBe("ltr");
    expect(await paragraphs.nth(2).evaluate((p) => getComputedStyle(p).direction)).toBe("rtl");
    expect(await directionOf(page, `${reply} .code-block pre`)).toBe("ltr");
    expect(await directionOf(page, `${reply} p code`)).toBe("ltr");
    for (const block of ["ul", "li", "blockquote", "table", "th", "td"])
      expect(await directionOf(page, `${reply} ${block}`), block).toBe("rtl");

    // Lists, quotes and tables sit on their text's side (logical CSS resolved for RTL).
    const side = await page.locator(reply).evaluate((el) => {
      const ul = getComputedStyle(el.querySelector("ul")!);
      const quote = getComputedStyle(el.querySelector("blockquote")!);
      const [first, second] = [...el.querySelectorAll("th")].map((th) => th.getBoundingClientRect().left);
      return {
        listPadding: [ul.paddingLeft, ul.paddingRight],
        quoteBorder: [quote.borderLeftWidth, quote.borderRightWidth],
        firstColumnOnTheRight: first! > second!,
      };
    });
    expect(side.listPadding[0]).toBe("0px");
    expect(side.listPadding[1]).not.toBe("0px");
    expect(side.quoteBorder).toEqual(["0px", "3px"]);
    expect(side.firstColumnOnTheRight).toBe(true);

    // The input box follows what is typed.
    const input = page.locator("#composer-input");
    await input.fill("سلام، كيداير؟");
    expect(await directionOf(page, "#composer-input")).toBe("rtl");
    await input.fill("hello there");
    expect(await directionOf(page, "#composer-input")).toBe("ltr");
    await input.fill("2024");
    expect(await directionOf(page, "#composer-input")).toBe("ltr");

    // A code block's own copy button copies the code, untouched by the text around it.
    await page.getByRole("button", { name: "Copy code" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('print("سلام")  # greeting\n');
  });

  it("mirrors the layout in Darija and not in English", async () => {
    const sides = async (language: "ary" | "en") => {
      const page = await open(`#c=${ids.rich}`, { language });
      await page.locator(".message.assistant table").waitFor();
      const box = (selector: string) =>
        page.locator(selector).evaluate((el) => {
          const { left, right } = el.getBoundingClientRect();
          return { left, right };
        });
      const question = await box(".message.user .message-body");
      const answer = await box(".message.assistant .message-body");
      return {
        dir: await page.evaluate(() => document.documentElement.dir),
        listOnTheRight: (await box(".sidebar")).left > (await box(".chat")).left,
        // Your messages sit on the end side, clear of the answers' start edge.
        questionOnTheLeft: question.right < answer.right - 20,
        questionOnTheRight: question.left > answer.left + 20,
      };
    };
    expect(await sides("ary")).toEqual({
      dir: "rtl",
      listOnTheRight: true,
      questionOnTheLeft: true,
      questionOnTheRight: false,
    });
    expect(await sides("en")).toEqual({
      dir: "ltr",
      listOnTheRight: false,
      questionOnTheLeft: false,
      questionOnTheRight: true,
    });
  });

  it("renders mixed Arabic, Latin and digits in logical order (the period at the end of the RTL line)", async () => {
    const page = await open(`#c=${ids.rich}`, { language: "ary" });
    const mixed = page.locator(".message.assistant .message-body > p", { hasText: "Atlas-Chat" });
    await mixed.waitFor();
    const [kanbghi, atlas, twoB, bzaf, period] = await extents(mixed, ["كنبغي", "Atlas", "2B", "بزاف", "."]);
    expect(kanbghi!.left).toBeGreaterThanOrEqual(twoB!.right - 0.5);
    expect(twoB!.left).toBeGreaterThan(atlas!.left);
    expect(atlas!.left).toBeGreaterThanOrEqual(bzaf!.right - 0.5);
    expect(bzaf!.left).toBeGreaterThanOrEqual(period!.right - 0.5);
  });

  it("keeps a streaming Arabic answer right-to-left from its first character, though it starts with digits", async () => {
    const page = await open("", { language: "en", settings: { deterministic: true } });
    await recordStreaming(page);
    await page.locator("#composer-input").fill("عطيني شي خبار على هاد العام [digits]");
    await page.keyboard.press("Enter");
    await page.locator(".message.assistant [data-testid=stats]").waitFor();
    const seen = (await streamFrames(page)).map((f) => `${f.dir}/${f.firstBlockDir}`);
    expect(seen.length).toBeGreaterThan(5);
    expect(new Set(seen)).toEqual(new Set(["rtl/rtl"]));
    expect(await directionOf(page, ".message.assistant .message-body > p")).toBe("rtl");
    expect(await page.locator(".message.assistant .message-body").textContent()).toContain("كان عام زوين");
  });

  it("obeys the RTL/LTR override, except for code", async () => {
    const page = await open(`#c=${ids.rich}`, { language: "en", direction: "ltr" });
    const reply = ".message.assistant .message-body";
    await page.locator(`${reply} table`).waitFor();
    expect(await directionOf(page, `${reply} > p`)).toBe("ltr");
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByLabel("Text direction").selectOption("rtl");
    await expect.poll(() => directionOf(page, `${reply} > p:nth-of-type(2)`)).toBe("rtl");
    expect(await directionOf(page, `${reply} .code-block pre`)).toBe("ltr");
    await page.locator("#composer-input").fill("hello");
    expect(await directionOf(page, "#composer-input")).toBe("rtl");
  });

  it("keeps replies full of HTML inert, stored or streamed", async () => {
    const page = await open(`#c=${ids.xss}`, { language: "en", settings: { deterministic: true } });
    const check = async (body: Locator): Promise<void> => {
      expect(await body.locator("img, script, svg, iframe, [onerror], [onload]").count()).toBe(0);
      expect(await body.locator('a[href^="javascript"]').count()).toBe(0);
      const text = (await body.textContent()) ?? "";
      expect(text).toContain("<script>window.__xss=2</script>");
      expect(text).toContain("onerror=");
      expect(await body.locator("a.image-link").getAttribute("href")).toBe("http://203.0.113.9/pixel.png");
    };
    await check(page.locator(".message.assistant .message-body").first());
    await page.locator("#composer-input").fill("[xss] again please");
    await page.keyboard.press("Enter");
    await page.locator(".message.assistant").nth(1).locator("[data-testid=stats]").waitFor();
    await check(page.locator(".message.assistant .message-body").nth(1));
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(pageRequests(page).some((url) => url.includes("203.0.113.9"))).toBe(false);
  });

  it("uses the bundled Arabic fonts", async () => {
    const page = await open(`#c=${ids.rich}`, { language: "ary" });
    await page.locator(".message.assistant table").waitFor();
    const loaded = await page.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts]
        .filter((f) => f.status === "loaded")
        .map((f) => f.family.replaceAll('"', ""));
    });
    expect(loaded).toEqual(expect.arrayContaining(["Atlas Naskh", "Atlas Sans Arabic"]));
    expect(pageRequests(page).filter((url) => url.endsWith(".woff2"))).toHaveLength(2);
  });

  it("renders light/dark × desktop/phone × Darija/English right (and saves screenshots for a person)", async () => {
    const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
    const shots = new Map<string, Buffer>();
    for (const language of ["ary", "en"] as const)
      for (const theme of ["light", "dark"] as const)
        for (const [size, viewport] of Object.entries(sizes)) {
          const view = `${language}-${theme}-${size}`;
          const page = await open(`#c=${ids.rich}`, { language, theme }, viewport);
          await page.locator(".message.assistant table").waitFor();
          await page.evaluate(() => document.fonts.ready.then(() => undefined));
          const layout = await page.evaluate(() => {
            const box = (selector: string): DOMRect =>
              document.querySelector(selector)!.getBoundingClientRect();
            const rgb = (color: string): number[] => (color.match(/[\d.]+/g) ?? []).map(Number);
            const [r = 0, g = 0, b = 0] = rgb(getComputedStyle(document.body).backgroundColor);
            return {
              dir: document.documentElement.dir,
              overflow: document.documentElement.scrollWidth - window.innerWidth,
              luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b,
              chat: box("main.chat"),
              sidebar: box(".sidebar"),
              composer: box("#composer-input"),
              arabicFont: getComputedStyle(document.querySelector(".message.user .message-body")!).fontFamily,
              // The bundled Arabic face is really loaded (not a fallback), for Arabic letters.
              naskhLoaded: [...document.fonts].some(
                (f) => f.family.includes("Atlas Naskh") && f.status === "loaded",
              ),
            };
          });
          // The UI mirrors for Darija; nothing scrolls sideways on a phone; the themes are what they say.
          expect(layout.dir, view).toBe(language === "ary" ? "rtl" : "ltr");
          expect(layout.overflow, `${view}: horizontal overflow`).toBeLessThanOrEqual(0);
          if (theme === "dark") expect(layout.luminance, view).toBeLessThan(80);
          else expect(layout.luminance, view).toBeGreaterThan(180);
          expect(layout.composer.right, view).toBeLessThanOrEqual(viewport.width + 0.5);
          expect(layout.composer.width, view).toBeGreaterThan(viewport.width / 3);
          if (size === "desktop") {
            // The history sits at the start side: right of the chat in Darija, left of it in English.
            if (language === "ary")
              expect(layout.sidebar.left, view).toBeGreaterThanOrEqual(layout.chat.right - 1);
            else expect(layout.sidebar.right, view).toBeLessThanOrEqual(layout.chat.left + 1);
          }
          expect(layout.arabicFont, view).toMatch(/^"Atlas (Naskh|Sans)"/);
          expect(layout.naskhLoaded, view).toBe(true);
          const shot = await page.screenshot({ path: join(SCREENSHOT_DIR, `chat-${view}.png`) });
          shots.set(view, shot);
          if (size === "phone" && theme === "light") {
            await page.locator(".menu-button").click();
            const drawer = page.locator(".sidebar .conversation").first();
            await drawer.waitFor();
            // The drawer opens on screen, from the start side.
            const box = (await page.locator(".sidebar").boundingBox())!;
            expect(box.x, view).toBeGreaterThanOrEqual(-0.5);
            expect(box.x + box.width, view).toBeLessThanOrEqual(viewport.width + 0.5);
            if (language === "ary") expect(box.x + box.width, view).toBeGreaterThan(viewport.width - 2);
            else expect(box.x, view).toBeLessThan(2);
            await page.screenshot({ path: join(SCREENSHOT_DIR, `drawer-${view}.png`) });
          }
        }
    // Each view looks different from its neighbours (theme, language, size all change the pixels).
    expect(shots.get("ary-light-desktop")!.equals(shots.get("ary-dark-desktop")!)).toBe(false);
    expect(shots.get("ary-light-desktop")!.equals(shots.get("en-light-desktop")!)).toBe(false);
    const page = await open(`#c=${ids.rich}`, { language: "ary", theme: "light" });
    await page.getByRole("button", { name: "الإعدادات" }).click();
    await expect.poll(() => page.locator("#settings").isVisible()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "settings-ary-light-desktop.png") });
    expect(Object.keys(TITLES)).toHaveLength(4);
  });
});
