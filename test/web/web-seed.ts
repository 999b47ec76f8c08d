/**
 * Conversations with exact text for the web chat's end-to-end tests, as an export file to POST to
 * `/ui/api/import`: Arabic-script and Arabizi chats for search, a reply with every block type for the
 * direction checks and screenshots, and a reply full of HTML that must stay inert.
 */
import type { ExportFile, ExportedConversation } from "../../src/server/ui/ui-api-types.js";

/** An answer with every kind of block, in Arabic, English and mixed text. */
export const RICH_REPLY = [
  "المغرب بلاد زوينة، وفيها بزاف ديال المدن القديمة.",
  "",
  "English paragraph: Morocco has many old cities.",
  "",
  "كنبغي Atlas-Chat 2B بزاف.",
  "",
  "```python",
  'print("سلام")  # greeting',
  "```",
  "",
  "- الأول: أتاي بالنعناع",
  "- التاني: الخبز ديال الدار",
  "",
  "> الصبر مفتاح الفرج",
  "",
  "| الماكلة | الثمن |",
  "| --- | --- |",
  "| طاجين | 50 |",
  "| كسكس | 60 |",
  "",
  "استعمل `npm test` باش تجرب كلشي.",
].join("\n");

/** A reply trying every HTML injection a model could write. */
export const XSS_REPLY = [
  'جواب فيه HTML: <img src=x onerror="window.__xss=1"> و <script>window.__xss=2</script>',
  "",
  '<a href="javascript:window.__xss=3">رابط</a> و [رابط آخر](javascript:window.__xss=4)',
  "",
  "![تصويرة](http://203.0.113.9/pixel.png) <svg onload=window.__xss=5></svg>",
  "",
  '<iframe src="javascript:window.__xss=6"></iframe>',
].join("\n");

const AT = "2026-11-20T10:00:00.000Z";

function conversation(id: string, title: string, exchanges: [string, string][]): ExportedConversation {
  const messages: ExportedConversation["messages"] = [];
  let parent: string | null = null;
  exchanges.forEach(([question, answer], i) => {
    const q = `${id}-q${i}`;
    const a = `${id}-a${i}`;
    messages.push({
      id: q,
      parentId: parent,
      role: "user",
      content: question,
      model: null,
      stats: null,
      createdAt: AT,
      selected: 1,
    });
    messages.push({
      id: a,
      parentId: q,
      role: "assistant",
      content: answer,
      model: "tiny",
      stats: { evalCount: 42, evalDurationNs: 1.5e9, doneReason: "stop" },
      createdAt: AT,
      selected: 1,
    });
    parent = a;
  });
  return { id, title, model: "tiny", createdAt: AT, updatedAt: AT, settings: {}, messages };
}

/** The seeded conversations' titles. */
export const TITLES = {
  rich: "الرحلة لمراكش",
  arabizi: "Train l casa",
  english: "What is a tajine",
  xss: "HTML test",
} as const;

/** The export file of the seed. */
export function seedFile(): ExportFile {
  return {
    format: "atlas-chat/conversations",
    version: 1,
    exportedAt: AT,
    conversations: [
      conversation("english", TITLES.english, [["What is a tajine?", "A tajine is a slow-cooked stew."]]),
      conversation("arabizi", TITLES.arabizi, [
        ["salam khouya, wach kayn chi train l casa?", "ah kayn, bzzaf dyal les trains kol nhar."],
      ]),
      conversation("xss", TITLES.xss, [["واش كتعرف HTML؟", XSS_REPLY]]),
      conversation("rich", TITLES.rich, [["كيفاش نمشي لمراكش من الرباط؟ عطيني كلشي", RICH_REPLY]]),
    ],
  };
}

/** Imports the seed into a server; returns the new conversation ids by seed key. */
export async function seed(url: string): Promise<Record<keyof typeof TITLES, string>> {
  const file = seedFile();
  const res = await fetch(`${url}/ui/api/import`, { method: "POST", body: JSON.stringify(file) });
  if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  const { ids } = (await res.json()) as { ids: string[] };
  const keys = file.conversations.map((c) => c.id as keyof typeof TITLES);
  return Object.fromEntries(keys.map((k, i) => [k, ids[i]!])) as Record<keyof typeof TITLES, string>;
}
