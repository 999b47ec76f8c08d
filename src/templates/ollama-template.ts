/**
 * Ollama's prompt templates are Go text/templates. We read the subset the legacy ones use —
 * `{{ .System }}`, `{{ .Prompt }}`, `{{ .Response }}`, `{{ if .X }} … {{ else }} … {{ end }}`, comments and
 * the `{{-`/`-}}` trim markers — and refuse anything else (`range .Messages`, variables, functions) with a
 * BAD_ARGUMENT naming the `template` field, instead of guessing.
 *
 * Rendering follows Ollama (template/template.go): a conversation is rendered one (system, user, assistant)
 * turn at a time and the pieces concatenated; consecutive messages of one role are joined with a blank
 * line first; the last turn is cut right after `{{ .Response }}`, where the model's reply starts.
 */
import { AtlasError, type ChatMessage } from "../core/index.js";

/** The values a template may read. */
export interface TemplateValues {
  system: string;
  prompt: string;
  /** The assistant's text (a turn already answered, or a reply to continue); default "". */
  response?: string;
}

type Variable = "System" | "Prompt" | "Response";

/** One node of a parsed template. */
type Node =
  | { kind: "text"; text: string }
  | { kind: "var"; name: Variable }
  | { kind: "if"; name: Variable; then: Node[]; otherwise: Node[] };

/** A parsed template: render it as often as needed. */
export interface OllamaTemplate {
  readonly source: string;
  readonly nodes: readonly Node[];
  /** The variables it reads (`System`, `Prompt`, `Response`). */
  readonly variables: ReadonlySet<Variable>;
}

const VARIABLES: readonly Variable[] = ["System", "Prompt", "Response"];

/** Longest template accepted (untrusted input: a template comes from a request or a Modelfile). */
export const MAX_OLLAMA_TEMPLATE_CHARS = 64 * 1024;
/** Deepest `{{ if }}` nesting accepted. */
const MAX_DEPTH = 32;

function templateError(message: string, hint?: string): AtlasError {
  return new AtlasError("BAD_ARGUMENT", message, {
    details: { field: "template" },
    ...(hint === undefined ? {} : { hint }),
  });
}

function unsupported(action: string): never {
  const shown = action.length > 40 ? `${action.slice(0, 40)}…` : action;
  throw templateError(
    `template: '{{ ${shown} }}' is not supported`,
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

/**
 * Parses a template of the subset.
 * @throws AtlasError BAD_ARGUMENT (field `template`) for syntax outside it, an unclosed `if`, or a template
 *   longer than {@link MAX_OLLAMA_TEMPLATE_CHARS}
 */
export function parseOllamaTemplate(source: string): OllamaTemplate {
  if (source.length > MAX_OLLAMA_TEMPLATE_CHARS)
    throw templateError(`template has ${source.length} characters; at most ${MAX_OLLAMA_TEMPLATE_CHARS}`);
  const root: Node[] = [];
  const variables = new Set<Variable>();
  const stack: { node?: Extract<Node, { kind: "if" }>; inElse: boolean }[] = [{ inElse: false }];
  const top = (): Node[] => {
    const frame = stack.at(-1)!;
    if (frame.node === undefined) return root;
    return frame.inElse ? frame.node.otherwise : frame.node.then;
  };
  const variableOf = (name: string | undefined, action: string): Variable => {
    if (!(VARIABLES as readonly string[]).includes(name ?? "")) unsupported(action);
    variables.add(name as Variable);
    return name as Variable;
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
      top().push({ kind: "var", name: variableOf(variable[1], action) });
    } else if (condition !== null) {
      if (stack.length > MAX_DEPTH) throw templateError(`template: {{ if }} nested deeper than ${MAX_DEPTH}`);
      const node: Extract<Node, { kind: "if" }> = {
        kind: "if",
        name: variableOf(condition[1], action),
        then: [],
        otherwise: [],
      };
      top().push(node);
      stack.push({ node, inElse: false });
    } else if (action === "else" && stack.length > 1 && !stack.at(-1)!.inElse) {
      stack.at(-1)!.inElse = true;
    } else if (action === "end" && stack.length > 1) {
      stack.pop();
    } else if (!(action.startsWith("/*") && action.endsWith("*/"))) {
      unsupported(action);
    }
  }
  if (stack.length > 1) throw templateError("template: an {{ if }} has no {{ end }}");
  return { source, nodes: root, variables };
}

function valueOf(name: Variable, values: TemplateValues): string {
  if (name === "System") return values.system;
  if (name === "Prompt") return values.prompt;
  return values.response ?? "";
}

function renderNodes(nodes: readonly Node[], values: TemplateValues): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "var") out += valueOf(node.name, values);
    else out += renderNodes(valueOf(node.name, values) !== "" ? node.then : node.otherwise, values);
  }
  return out;
}

/**
 * The template with everything after the first `{{ .Response }}` (in reading order) removed, as Ollama
 * does for the turn being generated: the response's own value stays (a reply to continue), what follows
 * it — later text, and the `else` branch of an `if` it sits in — goes.
 */
function cutAfterResponse(nodes: readonly Node[]): [Node[], boolean] {
  const out: Node[] = [];
  for (const node of nodes) {
    if (node.kind === "var" && node.name === "Response") {
      out.push(node);
      return [out, true];
    }
    if (node.kind === "if") {
      const [then, cutInThen] = cutAfterResponse(node.then);
      if (cutInThen) {
        out.push({ ...node, then, otherwise: [] });
        return [out, true];
      }
      const [otherwise, cutInElse] = cutAfterResponse(node.otherwise);
      out.push({ ...node, then, otherwise });
      if (cutInElse) return [out, true];
      continue;
    }
    out.push(node);
  }
  return [out, false];
}

function parsed(template: string | OllamaTemplate): OllamaTemplate {
  return typeof template === "string" ? parseOllamaTemplate(template) : template;
}

/**
 * Renders one prompt: the template with `system` and `prompt`, cut right after `{{ .Response }}` (where
 * the reply starts).
 * @example renderOllamaTemplate("<start_of_turn>user\n{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}", …)
 * @throws AtlasError BAD_ARGUMENT (field `template`) for syntax outside the subset
 */
export function renderOllamaTemplate(template: string | OllamaTemplate, values: TemplateValues): string {
  const { nodes } = parsed(template);
  return renderNodes(cutAfterResponse(nodes)[0], values);
}

/** Consecutive messages of one role become one, joined by a blank line (Ollama's `collate`). */
function collate(messages: readonly ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of messages) {
    const last = out.at(-1);
    if (last !== undefined && last.role === message.role) last.content += `\n\n${message.content}`;
    else out.push({ role: message.role, content: message.content });
  }
  return out;
}

/**
 * Renders a conversation as Ollama does with a template that has no `.Messages`: every (system, user,
 * assistant) turn through the whole template, then the last one cut after `{{ .Response }}`. A system
 * message belongs to the turn it starts.
 * @throws AtlasError BAD_ARGUMENT (field `template`) for syntax outside the subset
 */
export function renderOllamaChat(
  template: string | OllamaTemplate,
  messages: readonly ChatMessage[],
): string {
  const { nodes } = parsed(template);
  let out = "";
  let values: Required<TemplateValues> = { system: "", prompt: "", response: "" };
  const flush = (): void => {
    out += renderNodes(nodes, values);
    values = { system: "", prompt: "", response: "" };
  };
  for (const message of collate(messages)) {
    if (message.role === "system") {
      if (values.prompt !== "" || values.response !== "") flush();
      values.system = message.content;
    } else if (message.role === "user") {
      if (values.response !== "") flush();
      values.prompt = message.content;
    } else {
      values.response = message.content;
    }
  }
  return out + renderNodes(cutAfterResponse(nodes)[0], values);
}
