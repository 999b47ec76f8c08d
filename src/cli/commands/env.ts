import { ENV_VARS } from "../../config/index.js";
import { parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { printJson, println } from "../io.js";

export const envCommand: CliCommand = {
  name: "env",
  summary: "show the environment variables atlas reads and their current values",
  help: `Usage: atlas env [--json]

Lists every environment variable atlas reads, what it is for, its default and its current value.

Options:
  --json     print JSON instead of a table

Examples:
  atlas env
  ATLAS_HOME=/data/atlas atlas env --json`,
  run(argv, io) {
    const { values } = parseCommandArgs("env", argv, { json: { type: "boolean" } });
    const rows = ENV_VARS.map((v) => ({
      ...v,
      value: v.name === "HF_TOKEN" && io.env[v.name] ? "(set)" : (io.env[v.name] ?? null),
    }));
    if (values.json === true) {
      printJson(io, rows);
      return Promise.resolve(0);
    }
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const row of rows) {
      println(io, `${row.name.padEnd(width)}  ${row.value ?? "(unset)"}`);
      println(io, `${" ".repeat(width)}  ${row.description}; default: ${row.default}`);
    }
    return Promise.resolve(0);
  },
};
