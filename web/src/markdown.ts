/**
 * Replies rendered as markdown, safely and in the right direction:
 * - markdown-it with `html: false`: raw HTML in a reply (`<img onerror>`, `<script>`) is escaped to
 *   text, link URLs are checked (no `javascript:`), images become links (nothing is fetched);
 * - every block gets its direction from its own text (docs/web.md § RTL): paragraphs, headings and table
 *   cells `dir="auto"` (or the surrounding direction when they hold no letter yet), lists, quotes and
 *   tables the direction of their first letter, code always LTR and isolated;
 * - code blocks highlighted by highlight.js (a fixed set of languages), with a copy button.
 */
import MarkdownIt, { type Env, type Token } from "markdown-it";
import { highlightCode } from "./highlight.js";
import { blockDir, firstStrongDirection, type Direction, type DirectionSetting } from "./direction.js";

/** What a render needs besides the text. */
export interface RenderEnv {
  /** The direction override of the page. */
  setting: DirectionSetting;
  /** The direction of blocks without letters (the message's own, or what it is expected to be). */
  fallback: Direction;
  /** Label of the copy button on code blocks (the UI language's). */
  copyCodeLabel: string;
}

/** The env object of a render: the settings in, the resolved direction out. */
type RenderState = Env & RenderEnv & { resolved?: Direction };

/** A rendered reply. */
export interface RenderedMarkdown {
  /** Escaped HTML: safe for innerHTML. */
  html: string;
  /** The reply's direction: of its first letter outside code, else the fallback (or the override). */
  dir: Direction;
}

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });

/** Blocks whose text is direct content: they take `dir="auto"`. */
const LEAVES = new Set(["paragraph_open", "heading_open", "th_open", "td_open"]);
/** Blocks that hold other blocks: they take the direction of their first letter. */
const CONTAINERS = new Set(["blockquote_open", "bullet_list_open", "ordered_list_open", "table_open"]);
const ALIGN_CLASS: Readonly<Record<string, string>> = {
  left: "align-start",
  center: "align-center",
  right: "align-end",
};

/** Text of an inline token, without inline code (which is LTR and isolated). */
function inlineText(token: Token): string {
  return (token.children ?? [])
    .filter((c: Token) => c.type === "text")
    .map((c: Token) => c.content)
    .join("");
}

/** Text of the blocks from `open` to its matching close. */
function blockText(tokens: readonly Token[], open: number): string {
  let depth = 0;
  let text = "";
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    depth += t.nesting;
    if (t.type === "inline") text += `${inlineText(t)}\n`;
    if (depth === 0) break;
  }
  return text;
}

/** Core rule: direction attributes on blocks and inline code; table alignment as classes (CSP: no inline styles). */
md.core.ruler.push("atlas_direction", (state) => {
  const env = state.env as unknown as RenderState;
  const tokens = state.tokens;
  let first: Direction | null = null;
  for (const t of tokens)
    if (first === null && t.type === "inline") first = firstStrongDirection(inlineText(t));
  env.resolved = env.setting === "auto" ? (first ?? env.fallback) : env.setting;
  const stack: Direction[] = [env.resolved];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const around = stack[stack.length - 1]!;
    if (t.nesting === -1) {
      if (CONTAINERS.has(t.type.replace("_close", "_open"))) stack.pop();
      continue;
    }
    if (LEAVES.has(t.type)) {
      const inline = tokens[i + 1];
      t.attrSet("dir", blockDir(inline?.type === "inline" ? inlineText(inline) : "", env.setting, around));
    } else if (CONTAINERS.has(t.type)) {
      const dir =
        env.setting === "auto" ? (firstStrongDirection(blockText(tokens, i)) ?? around) : env.setting;
      t.attrSet("dir", dir);
      stack.push(dir);
    } else if (t.type === "inline") {
      for (const child of t.children ?? []) if (child.type === "code_inline") child.attrSet("dir", "ltr");
    }
    const align = /^text-align:(left|center|right)$/.exec(String(t.attrGet("style") ?? ""));
    if (align !== null) {
      t.attrs = (t.attrs ?? []).filter(([name]) => name !== "style");
      t.attrJoin("class", ALIGN_CLASS[align[1]!]!);
    }
  }
});

const escape = (text: string): string => md.utils.escapeHtml(text);

function codeBlock(code: string, info: string, env: RenderEnv): string {
  const lang = /^[\w+#.-]{1,32}/.exec(info.trim())?.[0] ?? "";
  const label = escape(env.copyCodeLabel);
  return (
    `<div class="code-block" dir="ltr"><div class="code-bar"><span class="code-lang">${escape(lang)}</span>` +
    `<button type="button" class="copy-code" data-copy-code aria-label="${label}">${label}</button></div>` +
    `<pre><code class="hljs">${highlightCode(code, lang)}</code></pre></div>\n`
  );
}

md.renderer.rules.fence = (tokens, idx, _options, env) =>
  codeBlock(tokens[idx]!.content, tokens[idx]!.info, env as unknown as RenderState);
md.renderer.rules.code_block = (tokens, idx, _options, env) =>
  codeBlock(tokens[idx]!.content, "", env as unknown as RenderState);

// Images would make the browser fetch a URL the model wrote: show a link instead.
md.renderer.rules.image = (tokens, idx) => {
  const t = tokens[idx]!;
  const src = String(t.attrGet("src") ?? "");
  const alt = t.children === null ? t.content : md.renderer.renderInlineAsText(t.children, md.options, {});
  return `<a class="image-link" href="${escape(src)}" target="_blank" rel="noopener noreferrer">🖼 ${escape(alt || src)}</a>`;
};

const defaultLinkOpen = md.renderer.rules.link_open;
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet("target", "_blank");
  tokens[idx]!.attrSet("rel", "noopener noreferrer");
  return defaultLinkOpen === undefined
    ? self.renderToken(tokens, idx, options)
    : defaultLinkOpen(tokens, idx, options, env, self);
};

/** A reply as HTML and its direction. */
export function renderMarkdown(text: string, env: RenderEnv): RenderedMarkdown {
  const state = { ...env } as RenderState;
  const tokens = md.parse(text, state);
  return { html: md.renderer.render(tokens, md.options, state), dir: state.resolved ?? env.fallback };
}
