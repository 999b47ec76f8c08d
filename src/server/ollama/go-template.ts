/**
 * Ollama's `template` field is a Go text/template. We render the subset prompt templates use —
 * `{{ .System }}`, `{{ .Prompt }}`, `{{ .Response }}` (where the reply starts: the rest is cut, as
 * Ollama does for the last turn), `{{ if .X }} … {{ else }} … {{ end }}` and the `{{-`/`-}}` trim
 * markers — and refuse anything else (`range .Messages`, functions) with a 400 instead of guessing.
 */
import { badField } from "../json-body.js";

/** The values a template may read. */
export interface TemplateValues {
  system: string;
  prompt: string;
}

type Node =
  | { kind: "text"; text: string }
  | { kind: "var"; name: "System" | "Prompt" | "Response" }
  | { kind: "if"; name: "System" | "Prompt"; then: Node[]; otherwise: Node[] };

const VARIABLES = ["System", "Prompt", "Response"] as const;
const MAX_TEMPLATE_CHARS = 64 * 1024;

function unsupported(action: string): never {
  throw badField(
    "template",
    `template: '{{ ${action.slice(0, 40)} }}' is not supported`,
    "use .System, .Prompt, .Response, if/else/end; or leave template out to use the model's own chat template",
  );
}

function tokens(source: string): (string | { action: string })[] {
  const out: (string | { action: string })[] = [];
  const pattern = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let at = 0;
  let trimNext = false;
  for (const match of source.matchAll(pattern)) {
    let text = source.slice(at, match.index);
    if (trimNext) text = text.replace(/^\s+/, "");
    if (match[1] === "-") text = text.replace(/\s+$/, "");
    out.push(text, { action: match[2]! });
    trimNext = match[3] === "-";
    at = match.index + match[0].length;
  }
  let rest = source.slice(at);
  if (trimNext) rest = rest.replace(/^\s+/, "");
  out.push(rest);
  return out;
}

function parse(source: string): Node[] {
  const root: Node[] = [];
  const stack: { nodes: Node[]; node?: Extract<Node, { kind: "if" }>; inElse: boolean }[] = [
    { nodes: root, inElse: false },
  ];
  const top = (): Node[] => {
    const frame = stack.at(-1)!;
    return frame.node === undefined ? frame.nodes : frame.inElse ? frame.node.otherwise : frame.node.then;
  };
  for (const token of tokens(source)) {
    if (typeof token === "string") {
      if (token !== "") top().push({ kind: "text", text: token });
      continue;
    }
    const action = token.action;
    const variable = /^\.(\w+)$/.exec(action);
    const condition = /^if\s+\.(\w+)$/.exec(action);
    if (variable !== null) {
      const name = variable[1] as (typeof VARIABLES)[number];
      if (!VARIABLES.includes(name)) unsupported(action);
      top().push({ kind: "var", name });
    } else if (condition !== null) {
      const name = condition[1];
      if (name !== "System" && name !== "Prompt") unsupported(action);
      const node: Extract<Node, { kind: "if" }> = { kind: "if", name, then: [], otherwise: [] };
      top().push(node);
      stack.push({ nodes: [], node, inElse: false });
    } else if (action === "else" && stack.length > 1 && !stack.at(-1)!.inElse) {
      stack.at(-1)!.inElse = true;
    } else if (action === "end" && stack.length > 1) {
      stack.pop();
    } else if (!action.startsWith("/*")) {
      unsupported(action);
    }
  }
  if (stack.length > 1) throw badField("template", "template: an {{ if }} has no {{ end }}");
  return root;
}

/** Renders up to `{{ .Response }}`. Returns [text, reachedResponse]. */
function render(nodes: readonly Node[], values: TemplateValues): [string, boolean] {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "var") {
      if (node.name === "Response") return [out, true];
      out += node.name === "System" ? values.system : values.prompt;
    } else {
      const set = (node.name === "System" ? values.system : values.prompt) !== "";
      const [text, stop] = render(set ? node.then : node.otherwise, values);
      out += text;
      if (stop) return [out, true];
    }
  }
  return [out, false];
}

/**
 * Renders an Ollama prompt template.
 * @example renderOllamaTemplate("<start_of_turn>user\n{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}", …)
 * @throws AtlasError BAD_ARGUMENT (field `template`) for syntax outside the subset
 */
export function renderOllamaTemplate(template: string, values: TemplateValues): string {
  if (template.length > MAX_TEMPLATE_CHARS)
    throw badField("template", `template has ${template.length} characters; at most ${MAX_TEMPLATE_CHARS}`);
  return render(parse(template), values)[0];
}
