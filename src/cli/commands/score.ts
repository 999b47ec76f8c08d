/** `atlas score bleu|chrf|ter`: sacreBLEU-identical corpus scores of a hypothesis file against reference files. */
import { readFile } from "node:fs/promises";
import { ioError } from "../../core/index.js";
import {
  BLEU_TOKENIZERS,
  bleuSignature,
  chrfSignature,
  corpusBleu,
  corpusChrf,
  corpusTer,
  terSignature,
  type BleuTokenizer,
} from "../../eval/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { printJson, println } from "../io.js";

const FLAGS = {
  hyp: { type: "string" },
  ref: { type: "string", multiple: true },
  json: { type: "boolean" },
  tokenize: { type: "string" },
  lowercase: { type: "boolean" },
} as const;

/** Lines of a text file as sacreBLEU reads them (universal newlines; no trailing empty line). */
async function readLines(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw ioError("cannot read", path, error);
  }
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);

export const scoreCommand: CliCommand = {
  name: "score",
  summary: "BLEU, chrF or TER of a hypothesis file, identical to sacreBLEU",
  help: `Usage: atlas score bleu|chrf|ter --hyp FILE --ref FILE [--ref FILE …] [options]

Corpus-level scores computed exactly as sacreBLEU 2.x does with its defaults (BLEU: 13a tokenizer,
exp smoothing; chrF: character order 6, word order 0, β = 2; TER: Tercom shifts, case-insensitive).
One hypothesis per line; one --ref file per reference stream, each with one line per hypothesis.

Options:
  --hyp FILE            the system output, one segment per line
  --ref FILE            a reference stream; repeat for several references
  --json                one JSON object: score (0–100) plus the statistics
  --tokenize NAME       BLEU tokenizer: ${BLEU_TOKENIZERS.join(", ")} (default 13a)
  --lowercase           BLEU/chrF: lowercase before scoring

Examples:
  atlas score bleu --hyp out.txt --ref ref.txt
  atlas score chrf --hyp out.txt --ref ref1.txt --ref ref2.txt --json`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("score", argv, FLAGS);
    const metric = positionals[0];
    if (metric !== "bleu" && metric !== "chrf" && metric !== "ter")
      throw badArgument(
        "score",
        `say which metric: bleu, chrf or ter${metric === undefined ? "" : ` (got '${metric}')`}`,
      );
    if (positionals.length > 1) throw badArgument("score", `unexpected argument '${positionals[1]}'`);
    if (values.hyp === undefined) throw badArgument("score", "--hyp FILE is required");
    if (values.ref === undefined || values.ref.length === 0)
      throw badArgument("score", "at least one --ref FILE is required");
    const tokenize = values.tokenize ?? "13a";
    if (!(BLEU_TOKENIZERS as readonly string[]).includes(tokenize))
      throw badArgument(
        "score",
        `--tokenize must be one of ${BLEU_TOKENIZERS.join(", ")}, got '${tokenize}'`,
      );
    const hypotheses = await readLines(values.hyp);
    const references = await Promise.all(values.ref.map(readLines));
    const lowercase = values.lowercase === true;
    const nrefs = references.length;
    if (metric === "bleu") {
      const options = { tokenize: tokenize as BleuTokenizer, lowercase };
      const s = corpusBleu(hypotheses, references, options);
      const verbose = `${s.precisions.map((p) => fmt(p, 1)).join("/")} (BP = ${fmt(s.bp, 3)} ratio = ${fmt(s.ratio, 3)} hyp_len = ${s.sysLen} ref_len = ${s.refLen})`;
      if (values.json === true)
        printJson(io, {
          name: "BLEU",
          score: s.score,
          signature: bleuSignature(nrefs, options),
          verbose_score: verbose,
          counts: s.correct,
          totals: s.total,
          precisions: s.precisions,
          bp: s.bp,
          ratio: s.ratio,
          hyp_len: s.sysLen,
          ref_len: s.refLen,
        });
      else println(io, `BLEU = ${fmt(s.score)} ${verbose}`);
      return 0;
    }
    if (metric === "chrf") {
      const s = corpusChrf(hypotheses, references, { lowercase });
      if (values.json === true)
        printJson(io, {
          name: "chrF2",
          score: s.score,
          signature: chrfSignature(nrefs, { lowercase }),
          statistics: s.statistics,
        });
      else println(io, `chrF2 = ${fmt(s.score)}`);
      return 0;
    }
    const s = corpusTer(hypotheses, references);
    if (values.json === true)
      printJson(io, {
        name: "TER",
        score: s.score,
        signature: terSignature(nrefs),
        num_edits: s.numEdits,
        ref_length: s.refLength,
      });
    else println(io, `TER = ${fmt(s.score)}`);
    return 0;
  },
};
