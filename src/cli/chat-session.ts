/** The state of `atlas chat` (conversation, system text, settings) and its slash commands. */
import { readFile } from "node:fs/promises";
import type { AtlasModel } from "../api/index.js";
import {
  errorMessage,
  parseGenerateOption,
  validateMessages,
  writeFileAtomic,
  type ChatMessage,
} from "../core/index.js";
import type { GenerateOptions } from "../engine/index.js";

/** What a slash command produced. */
export interface CommandOutcome {
  output: string;
  quit: boolean;
}

/** `/set` names → request-contract fields (their ranges live in src/core/request.ts). */
const SETTINGS = {
  temperature: "temperature",
  top_k: "topK",
  top_p: "topP",
  min_p: "minP",
  repeat_penalty: "repeatPenalty",
  seed: "seed",
  max_tokens: "maxTokens",
} as const satisfies Record<string, keyof GenerateOptions>;

const SETTING_NAMES = Object.fromEntries(Object.entries(SETTINGS).map(([name, field]) => [field, name]));

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
    const field = name === undefined ? undefined : (SETTINGS as Record<string, keyof GenerateOptions>)[name];
    if (field === undefined || raw === undefined)
      return `usage: /set NAME VALUE, NAME one of ${Object.keys(SETTINGS).join(", ")}, verbose`;
    try {
      const value = parseGenerateOption(field, raw, { names: SETTING_NAMES });
      (this.options as Record<string, unknown>)[field] = value;
      return `${name} = ${JSON.stringify(value)}`;
    } catch (error) {
      return errorMessage(error);
    }
  }

  private show(model: AtlasModel): string {
    const i = model.info;
    const settings = Object.entries(SETTINGS)
      .map(([name, field]) => {
        const value = this.options[field];
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
      const messages = validateMessages(parsed, { where: path });
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
