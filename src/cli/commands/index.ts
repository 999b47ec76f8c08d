/** Every `atlas` command, in the order `atlas --help` lists them. */
import type { CliCommand } from "../command.js";
import { convertCommand } from "./convert.js";
import { createCommand } from "./create.js";
import { dataCommand } from "./data.js";
import { loraCommand } from "./lora.js";
import { trainCommand } from "./train.js";
import { chatCommand } from "./chat.js";
import { envCommand } from "./env.js";
import { evalCommand } from "./eval.js";
import { inspectCommand } from "./inspect.js";
import { listCommand } from "./list.js";
import { pullCommand } from "./pull.js";
import { rmCommand } from "./rm.js";
import { runCommand } from "./run.js";
import { scoreCommand } from "./score.js";
import { serveCommand } from "./serve.js";
import { showCommand } from "./show.js";
import { sentimentCommand } from "./sentiment.js";
import { summarizeCommand } from "./summarize.js";
import { translateCommand } from "./translate.js";
import { transliterateCommand } from "./transliterate.js";

export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  chatCommand,
  translateCommand,
  transliterateCommand,
  summarizeCommand,
  sentimentCommand,
  serveCommand,
  pullCommand,
  createCommand,
  listCommand,
  showCommand,
  rmCommand,
  convertCommand,
  inspectCommand,
  evalCommand,
  scoreCommand,
  dataCommand,
  trainCommand,
  loraCommand,
  envCommand,
];
