/**
 * Code highlighting with highlight.js's core and the languages chat replies mostly contain (the full
 * bundle would triple the page's JavaScript). Output is escaped HTML.
 */
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import markdown from "highlight.js/lib/languages/markdown";
import php from "highlight.js/lib/languages/php";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

const LANGUAGES = {
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown,
  php,
  python,
  rust,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

/** `code` as highlighted HTML when `lang` is known (names and aliases: js, ts, sh, html …), else escaped. */
export function highlightCode(code: string, lang: string): string {
  if (lang !== "" && hljs.getLanguage(lang) !== undefined)
    return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  return code.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
