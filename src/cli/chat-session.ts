/** The state of `atlas chat` (conversation, system text, settings) and its slash commands. */
import { readFile } from "node:fs/promises";
import type { AtlasModel } from "../api/index.js";
import { errorMessage, writeFileAtomic, type ChatMessage } from "../core/index.js";
import type { GenerateOptions } from "../engine/index.js";

/** What a slash command produced. */
export interface CommandOutcome {
  output: string;
  quit: boolean;
}

const SETTINGS: Record<string, { key: keyof GenerateOptions; check: (n: number) => boolean; what: string }> =
  {
    temperature: { key: "temperature", check: (n) => n >= 0 && n <= 10, what: "0…10" },
    top_k: { key: "topK", check: (n) => Number.isInteger(n) && n >= 0, what: "a whole number ≥ 0" },
    top_p: { key: "topP", check: (n) => n > 0 && n <= 1, what: "in (0, 1]" },
    min_p: { key: "minP", check: (n) => n >= 0 && n < 1, what: "in [0, 1)" },
    repeat_penalty: { key: "repeatPenalty", check: (n) => n > 0, what: "positive" },
    seed: { key: "seed", check: (n) => Number.isInteger(n) && n >= 0, what: "a whole number ≥ 0" },
    max_tokens: {
      key: "maxTokens",
      check: (n) => Number.isInteger(n) && n > 0,
      what: "a positive whole number",
    },
  };

const HELP = [
  "/clear                 forget the conversation",
  "/system [TEXT]         set (or show) the system instructions",
  `/set NAME VALUE        ${Object.keys(SETTINGS).join(", ")}, verbose on|off`,
  "/show                  model and settings",
  "/save FILE             save the conversation as JSON",
  "/load FILE             continue a saved conversation",
  "/bye                   leave",
].join("\n");

export class ChatSession {
  messages: ChatMessage[] = [];

  constructor(
    public system: string | undefined,
    public options: GenerateOptions,
    public verbose: boolean,
  ) {}

  /** The conversation to send for a new user message (not yet committed). */
  withUserMessage(text: string): ChatMessage[] {
    const system: ChatMessage[] =
      this.system === undefined || this.system === "" ? [] : [{ role: "system", content: this.system }];
    return [...system, ...this.messages, { role: "user", content: text }];
  }

  /** Records a finished exchange (a stopped reply is kept as far as it got). */
  commit(user: string, reply: string): void {
    this.messages.push({ role: "user", content: user }, { role: "assistant", content: reply });
  }

  /** Runs one slash command. */
  async command(line: string, model: AtlasModel): Promise<CommandOutcome> {
    const [name = "", ...args] = line.slice(1).split(/\s+/);
    const rest = line.slice(1 + name.length).trim();
    const say = (output: string): CommandOutcome => ({ output, quit: false });
    switch (name) {
      case "bye":
      case "exit":
      case "quit":
        return { output: "", quit: true };
      case "help":
      case "?":
        return say(HELP);
      case "clear":
        this.messages = [];
        return say("(conversation cleared)");
      case "system":
        if (rest === "")
          return say(
            this.system === undefined || this.system === "" ? "(no system instructions)" : this.system,
          );
        this.system = rest;
        return say("(system instructions set)");
      case "set":
        return say(this.set(args[0], args[1]));
      case "show":
        return say(this.show(model));
      case "save":
        return say(await this.save(rest));
      case "load":
        return say(await this.load(rest));
      default:
        return say(`unknown command /${name} — /help lists them`);
    }
  }

  private set(name: string | undefined, raw: string | undefined): string {
    if (name === "verbose") {
      if (raw !== "on" && raw !== "off") return "usage: /set verbose on|off";
      this.verbose = raw === "on";
      return `verbose ${raw}`;
    }
    const setting = name === undefined ? undefined : SETTINGS[name];
    if (setting === undefined || raw === undefined)
      return `usage: /set NAME VALUE, NAME one of ${Object.keys(SETTINGS).join(", ")}, verbose`;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || !setting.check(value))
      return `${name} must be ${setting.what}, got '${raw}'`;
    (this.options as Record<string, unknown>)[setting.key] = value;
    return `${name} = ${value}`;
  }

  private show(model: AtlasModel): string {
    const i = model.info;
    const settings = Object.entries(SETTINGS)
      .map(([name, s]) => {
        const value = this.options[s.key];
        return `${name}=${typeof value === "number" ? String(value) : "default"}`;
      })
      .join(" ");
    return [
      `model: ${i.description} (${i.path})`,
      `runs on: ${i.backend}, context ${i.contextSize} tokens, ${i.threads} threads`,
      `settings: ${settings} verbose=${this.verbose ? "on" : "off"}`,
      `conversation: ${this.messages.length} messages${this.system === undefined ? "" : ", with system instructions"}`,
    ].join("\n");
  }

  private async save(path: string): Promise<string> {
    if (path === "") return "usage: /save FILE";
    const system: ChatMessage[] =
      this.system === undefined || this.system === "" ? [] : [{ role: "system", content: this.system }];
    try {
      await writeFileAtomic(path, `${JSON.stringify([...system, ...this.messages], null, 2)}\n`);
      return `(saved ${this.messages.length} messages to ${path})`;
    } catch (error) {
      return `could not save: ${errorMessage(error)}`;
    }
  }

  private async load(path: string): Promise<string> {
    if (path === "") return "usage: /load FILE";
    try {
      const parsed = JSON.parse(await readFile(path, "utf8")) as unknown;
      if (!Array.isArray(parsed)) return `${path}: expected a JSON array of messages`;
      const messages = parsed as ChatMessage[];
      if (
        messages.some(
          (m) => typeof m?.content !== "string" || !["system", "user", "assistant"].includes(m?.role),
        )
      ) {
        return `${path}: every message needs a role (system|user|assistant) and a string content`;
      }
      const [first, ...rest] = messages;
      if (first?.role === "system") {
        this.system = first.content;
        this.messages = rest;
      } else {
        this.messages = messages;
      }
      return `(loaded ${this.messages.length} messages from ${path})`;
    } catch (error) {
      return `could not load: ${errorMessage(error)}`;
    }
  }
}
