/**
 * The page's pure modules in Node: first-strong direction, and the markdown renderer's safety and
 * direction attributes (the e2e tests check the same in Chromium).
 */
import { describe, expect, it } from "vitest";
import { blockDir, firstStrongDirection } from "../../web/src/direction.js";
import { renderMarkdown } from "../../web/src/markdown.js";
import { RICH_REPLY, XSS_REPLY } from "./web-seed.js";

const env = { setting: "auto", fallback: "rtl", copyCodeLabel: "Copy code" } as const;

describe("firstStrongDirection", () => {
  it.each([
    ["سلام", "rtl"],
    ["hello سلام", "ltr"],
    ["2024: عام زوين", "rtl"],
    ["3lach? واش", "ltr"],
    ["«؟» 123", null],
    ["", null],
    ["שלום", "rtl"],
  ] as const)("%s → %s", (text, dir) => {
    expect(firstStrongDirection(text)).toBe(dir);
  });

  it("lets the override win and falls back when there is no letter", () => {
    expect(blockDir("hello", "rtl", "ltr")).toBe("rtl");
    expect(blockDir("hello", "auto", "rtl")).toBe("auto");
    expect(blockDir("2024", "auto", "rtl")).toBe("rtl");
  });
});

describe("renderMarkdown", () => {
  it("escapes raw HTML and drops script URLs", () => {
    const { html } = renderMarkdown(XSS_REPLY, env);
    expect(html).not.toMatch(/<(img|script|svg|iframe)\b/i);
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).toContain("&lt;script&gt;window.__xss=2&lt;/script&gt;");
    expect(html).toContain('<a class="image-link" href="http://203.0.113.9/pixel.png"');
  });

  it("sets each block's direction from its own text, code LTR, table alignment as classes", () => {
    const { html, dir } = renderMarkdown(`${RICH_REPLY}\n\n| a | b |\n| :-- | --: |\n| 1 | 2 |`, env);
    expect(dir).toBe("rtl");
    expect(html).toContain('<p dir="auto">المغرب');
    expect(html).toContain('<ul dir="rtl">');
    expect(html).toContain('<blockquote dir="rtl">');
    expect(html).toContain('<table dir="rtl">');
    expect(html).toContain('<code dir="ltr">npm test</code>');
    expect(html).toContain('<div class="code-block" dir="ltr">');
    expect(html).toContain('<table dir="ltr">');
    expect(html).toContain('<th dir="auto" class="align-start">a</th>');
    expect(html).toContain('<td dir="ltr" class="align-end">2</td>');
    expect(html).not.toContain("style=");
  });

  it("gives a reply without letters yet the fallback direction, and obeys the override", () => {
    expect(renderMarkdown("2024: ", env)).toEqual({ html: '<p dir="rtl">2024:</p>\n', dir: "rtl" });
    expect(renderMarkdown("1. ", { ...env, fallback: "ltr" }).dir).toBe("ltr");
    const forced = renderMarkdown("hello\n\n```\ncode\n```", { ...env, setting: "rtl" });
    expect(forced.dir).toBe("rtl");
    expect(forced.html).toContain('<p dir="rtl">hello</p>');
    expect(forced.html).toContain('<div class="code-block" dir="ltr">');
  });

  it("highlights known languages and escapes unknown ones", () => {
    expect(renderMarkdown("```js\nconst a = 1;\n```", env).html).toContain(
      '<span class="hljs-keyword">const</span>',
    );
    expect(renderMarkdown("```nope\n<b>x</b>\n```", env).html).toContain("&#60;b&#62;x&#60;/b&#62;");
  });
});
