/**
 * Whether to reorder and shape right-to-left text ourselves (`--bidi`): only on a terminal, and by
 * default only on terminals known to print Arabic left to right and unjoined. Doing it on a terminal
 * that already implements bidi would reverse the text twice, so unknown terminals are left alone.
 * The table is documented in docs/bidi.md; keep the two in sync.
 */
import { AtlasError } from "../../core/index.js";

/** `--bidi` values: decide from the terminal, always, never. */
export type BidiMode = "auto" | "on" | "off";

const MODES: readonly BidiMode[] = ["auto", "on", "off"];

function asMode(value: string): BidiMode | undefined {
  const normalized = value.trim().toLowerCase();
  return MODES.find((mode) => mode === normalized);
}

/** Parses a `--bidi` value; absent means "auto". Throws a BAD_ARGUMENT AtlasError for anything else. */
export function parseBidiMode(value: string | undefined): BidiMode {
  if (value === undefined) return "auto";
  const mode = asMode(value);
  if (mode === undefined) {
    throw new AtlasError("BAD_ARGUMENT", `--bidi must be one of ${MODES.join(", ")}, got '${value}'`, {
      hint: "auto (the default) decides from the terminal, see docs/bidi.md",
    });
  }
  return mode;
}

/** TERM_PROGRAM values of terminals that draw right-to-left text left to right (xterm.js, Apple, …). */
const NO_BIDI_PROGRAMS: ReadonlySet<string> = new Set([
  "iTerm.app",
  "Apple_Terminal",
  "vscode",
  "WezTerm", // has bidi, but off unless bidi_enabled is set
  "ghostty",
  "Hyper",
]);

/**
 * TERM prefixes naming one specific terminal without bidi. Checked before VTE_VERSION/KONSOLE_VERSION,
 * which such a terminal inherits when started from a GNOME Terminal or Konsole shell.
 */
const NO_BIDI_TERMS = ["xterm-kitty", "xterm-ghostty", "alacritty", "foot"];

/** VTE 0.58 (VTE_VERSION 5800) is the first VTE with BiDi, e.g. GNOME Terminal 3.34. */
const VTE_BIDI_VERSION = 5800;

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}

/**
 * The auto-detection alone: true when the environment names a terminal known not to lay out
 * right-to-left text, false for bidi-capable and unknown ones.
 */
export function terminalNeedsBidi(env: Readonly<Record<string, string | undefined>>): boolean {
  // TERM_PROGRAM first: it is set by the innermost terminal, while VTE_VERSION/KONSOLE_VERSION leak
  // into terminals started from a GNOME Terminal or Konsole shell (VS Code launched from one, say).
  const program = env["TERM_PROGRAM"];
  if (program !== undefined && NO_BIDI_PROGRAMS.has(program)) return true;
  if (present(env["WT_SESSION"])) return true;
  const term = env["TERM"] ?? "";
  if (NO_BIDI_TERMS.some((prefix) => term.startsWith(prefix)) || present(env["KITTY_WINDOW_ID"])) return true;
  const vte = env["VTE_VERSION"];
  if (present(vte)) {
    const version = Number.parseInt(vte, 10);
    return !(Number.isInteger(version) && version >= VTE_BIDI_VERSION);
  }
  if (present(env["KONSOLE_VERSION"])) return false;
  if (present(env["MLTERM"]) || term.startsWith("mlterm")) return false;
  // Plain xterm has no bidi; VTE and Konsole, which also say xterm-*, were recognized above.
  return term.startsWith("xterm");
}

/**
 * Whether to reorder and shape: never when `stream` is not a TTY (pipes and files always get logical
 * order); "on"/"off" as given; "auto" → `$ATLAS_BIDI` (on|off|auto) when set, else the terminal table.
 */
export function resolveBidi(
  mode: BidiMode,
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (stream.isTTY !== true) return false;
  if (mode !== "auto") return mode === "on";
  // An unrecognized value is ignored, as for the other ATLAS_* variables, rather than failing a chat.
  const fromEnv = present(env["ATLAS_BIDI"]) ? asMode(env["ATLAS_BIDI"]) : undefined;
  if (fromEnv === "on" || fromEnv === "off") return fromEnv === "on";
  return terminalNeedsBidi(env);
}
