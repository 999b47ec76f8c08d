/**
 * The Modelfile parser against the shapes of Ollama's own parser tests (parser/parser_test.go): the same
 * kinds of input, with our own fixtures, and the commands Ollama's parser gives for them.
 */
import { describe, expect, it } from "vitest";
import { isAtlasError } from "../../core/index.js";
import { parseModelfile, type ModelfileCommand } from "./parse-modelfile.js";
import { quoteModelfileValue } from "./format-modelfile.js";

/** Commands without line numbers (what Ollama's tests compare). */
function commands(text: string | Uint8Array): Omit<ModelfileCommand, "line">[] {
  return parseModelfile(text).commands.map(({ name, args }) => ({ name, args }));
}

function failure(text: string): { message: string; code: string } {
  try {
    parseModelfile(text);
  } catch (error) {
    if (isAtlasError(error)) return { message: error.message, code: error.code };
    throw error;
  }
  throw new Error("expected the Modelfile to be refused");
}

const GEMMA_TEMPLATE =
  "<start_of_turn>user\n{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}<end_of_turn>\n";

describe("parseModelfile: instructions", () => {
  it("reads every instruction, a multi-line TEMPLATE with spaces after its closing quotes", () => {
    const text = `
FROM ./Atlas-Chat-2B
ADAPTER ./darija-lora.gguf
LICENSE Gemma Terms of Use
PARAMETER temperature 0.3
PARAMETER stop <end_of_turn>
TEMPLATE """${GEMMA_TEMPLATE}"""   \t
`;
    expect(commands(text)).toEqual([
      { name: "model", args: "./Atlas-Chat-2B" },
      { name: "adapter", args: "./darija-lora.gguf" },
      { name: "license", args: "Gemma Terms of Use" },
      { name: "temperature", args: "0.3" },
      { name: "stop", args: "<end_of_turn>" },
      { name: "template", args: GEMMA_TEMPLATE },
    ]);
  });

  it("records the line each instruction starts on", () => {
    const parsed = parseModelfile('# a model\nFROM .\n\nSYSTEM """one\ntwo"""\nPARAMETER seed 7\n');
    expect(parsed.commands.map((c) => c.line)).toEqual([2, 4, 6]);
  });

  it("takes instructions in any case, parameter names as written", () => {
    expect(commands("from base\nParameter Top_K 20\nsystem salam\nMessage user labas?\n")).toEqual([
      { name: "model", args: "base" },
      { name: "Top_K", args: "20" },
      { name: "system", args: "salam" },
      { name: "message", args: "user: labas?" },
    ]);
  });

  it("trims values, keeping the spaces inside quotes", () => {
    const text = `
FROM "   darija model "
ADAPTER        lora.gguf
LICENSE "Apache-2.0     "
PARAMETER top_p          0.9
TEMPLATE """  <start_of_turn>user
{{ .Prompt }}  """
`;
    expect(commands(text)).toEqual([
      { name: "model", args: "   darija model " },
      { name: "adapter", args: "lora.gguf" },
      { name: "license", args: "Apache-2.0     " },
      { name: "top_p", args: "0.9" },
      { name: "template", args: "  <start_of_turn>user\n{{ .Prompt }}  " },
    ]);
  });

  it.each([
    ['FROM "Atlas  Chat  "', [{ name: "model", args: "Atlas  Chat  " }]],
    [
      'FROM "atlas chat"\nPARAMETER seed 1',
      [
        { name: "model", args: "atlas chat" },
        { name: "seed", args: "1" },
      ],
    ],
    ["FROM     several words here    ", [{ name: "model", args: "several words here" }]],
    ["FROM /models/darija model ", [{ name: "model", args: "/models/darija model" }]],
    ["FROM atlas-chat:2b", [{ name: "model", args: "atlas-chat:2b" }]],
    ["FROM MBZUAI-Paris/Atlas-Chat-9B:q8_0", [{ name: "model", args: "MBZUAI-Paris/Atlas-Chat-9B:q8_0" }]],
    ["FROM /models/atlas/q4_k_m.gguf", [{ name: "model", args: "/models/atlas/q4_k_m.gguf" }]],
    [
      "PARAMETER seed 3\nFROM base",
      [
        { name: "seed", args: "3" },
        { name: "model", args: "base" },
      ],
    ],
    [
      "PARAMETER what a value \nFROM a name with words ",
      [
        { name: "what", args: "a value" },
        { name: "model", args: "a name with words" },
      ],
    ],
  ])("FROM forms: %j", (text, expected) => {
    expect(commands(text)).toEqual(expected);
  });

  it("needs a FROM line", () => {
    expect(failure("").message).toMatch(/no FROM line/);
    expect(failure("PARAMETER seed 1").message).toMatch(/no FROM line — add FROM/);
  });

  it("refuses an unknown instruction, naming it, its line and Ollama's list", () => {
    const refused = failure("\nFROM base\nFROMAGE cheese please\n");
    expect(refused.code).toBe("BAD_ARGUMENT");
    expect(refused.message).toMatch(
      /^Modelfile line 3: 'FROMAGE' is not an instruction: command must be one of "from"/,
    );
    expect(refused.message).toMatch(/fix or remove the line/);
    expect(failure("FROM base\nPARAMETER2 seed 1\n").message).toMatch(
      /line 2: 'PARAMETER2' is not an instruction/,
    );
  });

  it("refuses an instruction without a value", () => {
    expect(failure("FROM\n").message).toMatch(/line 1: FROM has no value/);
    expect(failure("FROM base\nPARAMETER seed\n").message).toMatch(/line 2: PARAMETER seed has no value/);
    expect(failure("FROM base\nPARAMETER seed").message).toMatch(/line 2: PARAMETER seed has no value/);
  });

  it("reads comments", () => {
    expect(commands("\n# the card's model\nFROM .\n\t# indented comment\n")).toEqual([
      { name: "model", args: "." },
    ]);
  });
});

describe("parseModelfile: MESSAGE", () => {
  it.each([
    [
      "FROM base\nMESSAGE system جاوب ديما بالدارجة المغربية.\n",
      [{ name: "message", args: "system: جاوب ديما بالدارجة المغربية." }],
    ],
    [
      "FROM base\nMESSAGE system no newline at the end",
      [{ name: "message", args: "system: no newline at the end" }],
    ],
    [
      "FROM base\nMESSAGE user salam, labas?\nMESSAGE assistant labas, l7amdoulilah!\nMESSAGE user ach katdir?\n",
      [
        { name: "message", args: "user: salam, labas?" },
        { name: "message", args: "assistant: labas, l7amdoulilah!" },
        { name: "message", args: "user: ach katdir?" },
      ],
    ],
    [
      'FROM base\nMESSAGE system """\nNta m3allem dial darija.\n"""\n\t\t',
      [{ name: "message", args: "system: \nNta m3allem dial darija.\n" }],
    ],
  ])("%j", (text, expected) => {
    expect(commands(text).slice(1)).toEqual(expected);
  });

  it("refuses a role other than system, user, assistant (case matters)", () => {
    expect(failure("FROM base\nMESSAGE robot beep\n").message).toMatch(
      /^Modelfile line 2: MESSAGE role 'robot': message role must be one of "system", "user", or "assistant"/,
    );
    expect(failure("FROM base\nMESSAGE User hi\n").message).toMatch(/MESSAGE role 'User'/);
  });

  it("refuses a MESSAGE without text", () => {
    expect(failure("FROM base\nMESSAGE system\n").message).toMatch(/line 2: MESSAGE system has no value/);
    expect(failure("FROM base\nMESSAGE system").message).toMatch(/MESSAGE system has no value/);
  });
});

describe("parseModelfile: quoting", () => {
  it.each([
    ['SYSTEM """\nSalam.\nJaweb b darija.\n"""\n', "\nSalam.\nJaweb b darija.\n"],
    ['SYSTEM """\nSalam.\nJaweb b darija."""\n', "\nSalam.\nJaweb b darija."],
    ['SYSTEM """Salam.\nJaweb b darija."""\n', "Salam.\nJaweb b darija."],
    ['SYSTEM """Salam, jaweb b darija."""\n', "Salam, jaweb b darija."],
    ['SYSTEM """\nQul "salam" dima.\n"""\n', '\nQul "salam" dima.\n'],
    ['SYSTEM """"""\n', ""],
    ['SYSTEM ""\n', ""],
    ['SYSTEM "\'"\n', "'"],
    ['SYSTEM """\'"\'\'""\'"\'"""\n', "'\"''\"\"'\"'"],
    ['TEMPLATE """\n{{ .Prompt }}\n"""', "\n{{ .Prompt }}\n"],
    ['SYSTEM "two\nlines"\n', "two\nlines"],
    ['SYSTEM a "quote" inside\n', 'a "quote" inside'],
  ])("%j", (value, expected) => {
    expect(commands(`FROM base\n${value}`)[1]).toEqual({
      name: value.split(" ")[0]!.toLowerCase(),
      args: expected,
    });
  });

  it("has no escapes: a backslash is a backslash", () => {
    expect(commands('FROM base\nSYSTEM "say \\"hi\\""\n')[1]?.args).toBe('say \\"hi\\"');
  });

  it.each([
    'FROM base\nSYSTEM """never closed""\n',
    'FROM base\nSYSTEM "\n',
    'FROM base\nTEMPLATE """<start_of_turn>user\n{{ .Prompt }}',
  ])("refuses a quote that is never closed, naming the instruction's line: %j", (text) => {
    const refused = failure(text);
    expect(refused.message).toMatch(
      /^Modelfile line 2: the value of (SYSTEM|TEMPLATE) is a quoted string that is never closed \(unexpected EOF\)/,
    );
  });

  it.each([
    ["stop ### User:", "### User:"],
    ["stop ### User: ", "### User:"],
    ['stop "### User:"', "### User:"],
    ['stop "### User: "', "### User: "],
    ['stop """### User:"""', "### User:"],
    ['stop """### User:\n"""', "### User:\n"],
    ["stop <end_of_turn>", "<end_of_turn>"],
    ["stop <start_of_turn>", "<start_of_turn>"],
    ["temperature 0.7", "0.7"],
    ["num_ctx 2048", "2048"],
    ["use_mmap true", "true"],
  ])("PARAMETER %j", (line, expected) => {
    expect(commands(`FROM base\nPARAMETER ${line}\n`)[1]?.args).toBe(expected);
  });

  it("writes values back so they read the same (Ollama's quote)", () => {
    for (const value of [
      "plain",
      " leading",
      "trailing ",
      "two\nlines",
      'a "quoted"\nword',
      "جاوب بالدارجة",
      "",
    ]) {
      const text = `FROM base\nSYSTEM ${quoteModelfileValue(value)}\n`;
      expect(commands(text)[1]?.args, JSON.stringify(value)).toBe(value);
    }
    expect(quoteModelfileValue("two\nlines")).toBe('"two\nlines"');
    expect(quoteModelfileValue('say "x"\n')).toBe('"""say "x"\n"""');
  });
});

describe("parseModelfile: encodings and characters", () => {
  const text = "FROM base\nPARAMETER seed 1\nPARAMETER num_ctx 4096\nSYSTEM Nta model dial darija.\n";
  const expected = [
    { name: "model", args: "base" },
    { name: "seed", args: "1" },
    { name: "num_ctx", args: "4096" },
    { name: "system", args: "Nta model dial darija." },
  ];

  it("reads UTF-16 with a BOM, little- and big-endian, and UTF-8 with or without one", () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    expect(commands(le)).toEqual(expected);
    expect(commands(be)).toEqual(expected);
    expect(commands(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual(expected);
    expect(commands(Buffer.from(text))).toEqual(expected);
  });

  it("keeps Arabic script, Arabizi digits and emoji", () => {
    expect(commands("FROM test\n\tSYSTEM شنو كتعرف على المغرب؟ 3lach 🇲🇦")[1]).toEqual({
      name: "system",
      args: "شنو كتعرف على المغرب؟ 3lach 🇲🇦",
    });
  });

  it("drops characters Go does not print (format and control characters, non-ASCII spaces), as Ollama does", () => {
    expect(commands("FROM base\nSYSTEM a\u200cb\u00a0c\u0007d\n")[1]?.args).toBe("abcd");
  });

  it("counts a CRLF as one line", () => {
    const refused = failure("FROM base\r\nSYSTEM ok\r\nBOGUS x\r\n");
    expect(refused.message).toMatch(/^Modelfile line 3:/);
    expect(commands("FROM base\r\nSYSTEM ok\r\n")).toEqual([
      { name: "model", args: "base" },
      { name: "system", args: "ok" },
    ]);
  });

  it("refuses a Modelfile over the size limit", () => {
    expect(failure(`FROM base\nSYSTEM ${"x".repeat(4 * 1024 * 1024)}`).message).toMatch(/at most 4194304/);
  });
});
