/** Every `atlas` command, in the order `atlas --help` lists them. */
import type { CliCommand } from "../command.js";
import { envCommand } from "./env.js";

export const COMMANDS: readonly CliCommand[] = [envCommand];
