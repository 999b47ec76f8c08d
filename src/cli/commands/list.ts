import { listCreatedModels, listModels } from "../../store/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { formatBytes } from "../format.js";
import { eprintln, printJson, println } from "../io.js";

export const listCommand: CliCommand = {
  name: "list",
  summary: "list the models in the atlas store",
  help: `Usage: atlas list [--json]

Lists the models \`atlas pull\` stored in $ATLAS_HOME/models (default ~/.atlas/models): id, revision,
commit, quantization, size and path; then the models made with \`atlas create\` (revision "created").
\`atlas run\` and \`atlas serve\` accept any of these ids.

Options:
  --json     print JSON (an array of objects) instead of a table

Examples:
  atlas list
  atlas list --json | jq -r '.[].path'`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("list", argv, { json: { type: "boolean" } });
    if (positionals.length > 0) throw badArgument("list", "atlas list takes no arguments");
    const onWarning = (w: string): void => eprintln(io, `warning: ${w}`);
    const models = await listModels({ env: io.env, onWarning });
    const created = await listCreatedModels({ env: io.env, onWarning });
    if (values.json === true) {
      printJson(io, [
        ...models.map((m) => ({ kind: "pulled", ...m })),
        ...created.map((m) => ({
          kind: "created",
          id: m.name,
          quant: m.quant,
          path: m.path,
          bytes: m.bytes,
          createdAt: m.createdAt,
          from: m.source,
          adapters: m.adapters,
          system: m.system,
          parameters: m.parameters,
          messages: m.messages.length,
          template: m.template !== undefined,
        })),
      ]);
      return 0;
    }
    if (models.length === 0 && created.length === 0) {
      println(io, "no models yet — run `atlas pull atlas-chat:2b`, or `atlas create NAME -f Modelfile`");
      return 0;
    }
    const rows = [
      ["ID", "REVISION", "SHA", "QUANT", "SIZE", "PATH"],
      ...models.map((m) => [
        m.id,
        m.revisions.length > 0 ? m.revisions.join(",") : "-",
        m.sha.slice(0, 8),
        m.quant,
        formatBytes(m.bytes),
        m.path,
      ]),
      ...created.map((m) => [m.name, "created", "-", m.quant ?? "gguf", formatBytes(m.bytes), m.path]),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
    for (const row of rows)
      println(
        io,
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join("  ")
          .trimEnd(),
      );
    return 0;
  },
};
