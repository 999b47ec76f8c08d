/**
 * A process writing to the chat store until it is killed (for chat-store-crash.test.ts):
 * `node --import tsx store-writer-child.ts <db> <commits>`. It commits `<commits>` exchanges, printing
 * `committed <n>` after each, then opens one more transaction, writes ~20 MB of messages into it (more
 * than SQLite's page cache, so uncommitted pages reach the WAL file), prints `in-transaction` and blocks
 * inside it until the parent kills it.
 */
import { writeSync } from "node:fs";
import { ChatStore } from "../../../src/server/ui/chat-store.js";

const [path, commits] = process.argv.slice(2);
const store = new ChatStore(path!);
const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};
const { id } = store.create({ title: "crash test" });
let parent: string | null = null;
for (let n = 0; n < Number(commits); n++) {
  const question = store.addMessage(id, { parentId: parent, role: "user", content: `سؤال ${n}` });
  parent = store.addMessage(id, { parentId: question.id, role: "assistant", content: `جواب ${n}` }).id;
  say(`committed ${n}`);
}
const filler = "ت".repeat(8 * 1024);
store.transaction(() => {
  for (let n = 0; n < 300; n++) {
    const question = store.addMessage(id, {
      parentId: parent,
      role: "user",
      content: `uncommitted ${n} ${filler}`,
    });
    parent = store.addMessage(id, { parentId: question.id, role: "assistant", content: filler }).id;
  }
  say("in-transaction");
  // Block inside the open transaction until killed.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
