import { describe, expect, it } from "vitest";
import { isAtlasError } from "../../core/index.js";
import { parseBidiMode, resolveBidi, terminalNeedsBidi } from "./resolve-bidi.js";

const tty = { isTTY: true };

describe("parseBidiMode", () => {
  it("accepts auto, on and off (any case), and defaults to auto", () => {
    expect(parseBidiMode(undefined)).toBe("auto");
    expect(parseBidiMode("auto")).toBe("auto");
    expect(parseBidiMode("on")).toBe("on");
    expect(parseBidiMode("OFF")).toBe("off");
    expect(parseBidiMode(" on ")).toBe("on");
  });

  it("rejects anything else with a BAD_ARGUMENT error naming the allowed values", () => {
    for (const bad of ["yes", "", "1", "true", "rtl"]) {
      let caught: unknown;
      try {
        parseBidiMode(bad);
      } catch (error) {
        caught = error;
      }
      expect(isAtlasError(caught, "BAD_ARGUMENT")).toBe(true);
      expect(caught instanceof Error && caught.message).toMatch(/--bidi must be one of auto, on, off/);
    }
  });
});

describe("resolveBidi", () => {
  it("is always off when the stream is not a TTY, even with --bidi on or ATLAS_BIDI=on", () => {
    for (const stream of [{}, { isTTY: false }]) {
      expect(resolveBidi("on", stream, {})).toBe(false);
      expect(resolveBidi("auto", stream, { ATLAS_BIDI: "on", TERM_PROGRAM: "iTerm.app" })).toBe(false);
    }
  });

  it("follows an explicit on/off on a TTY, whatever the terminal and ATLAS_BIDI", () => {
    expect(resolveBidi("on", tty, { VTE_VERSION: "7600", ATLAS_BIDI: "off" })).toBe(true);
    expect(resolveBidi("off", tty, { TERM_PROGRAM: "iTerm.app", ATLAS_BIDI: "on" })).toBe(false);
  });

  it("lets ATLAS_BIDI decide what auto means", () => {
    expect(resolveBidi("auto", tty, { ATLAS_BIDI: "on", VTE_VERSION: "7600" })).toBe(true);
    expect(resolveBidi("auto", tty, { ATLAS_BIDI: "OFF", TERM_PROGRAM: "vscode" })).toBe(false);
    expect(resolveBidi("auto", tty, { ATLAS_BIDI: "auto", TERM_PROGRAM: "vscode" })).toBe(true);
    // Unset, empty or unrecognized: ignored, the terminal table decides.
    expect(resolveBidi("auto", tty, { ATLAS_BIDI: "", TERM_PROGRAM: "vscode" })).toBe(true);
    expect(resolveBidi("auto", tty, { ATLAS_BIDI: "maybe", TERM_PROGRAM: "vscode" })).toBe(true);
    expect(resolveBidi("auto", tty, { ATLAS_BIDI: "maybe" })).toBe(false);
  });

  it("uses the terminal table in auto mode", () => {
    expect(resolveBidi("auto", tty, { TERM_PROGRAM: "Apple_Terminal" })).toBe(true);
    expect(resolveBidi("auto", tty, { VTE_VERSION: "7600", TERM: "xterm-256color" })).toBe(false);
    expect(resolveBidi("auto", tty, {})).toBe(false);
  });
});

describe("terminalNeedsBidi", () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ["iTerm2", { TERM_PROGRAM: "iTerm.app", TERM: "xterm-256color" }, true],
    ["macOS Terminal", { TERM_PROGRAM: "Apple_Terminal", TERM: "xterm-256color" }, true],
    ["VS Code", { TERM_PROGRAM: "vscode", TERM: "xterm-256color" }, true],
    ["VS Code started from GNOME Terminal", { TERM_PROGRAM: "vscode", VTE_VERSION: "7600" }, true],
    ["WezTerm", { TERM_PROGRAM: "WezTerm", TERM: "xterm-256color" }, true],
    ["Ghostty", { TERM_PROGRAM: "ghostty", TERM: "xterm-ghostty" }, true],
    ["Windows Terminal", { WT_SESSION: "b0a8d5e2-0000-4000-8000-000000000000" }, true],
    ["Windows Terminal + WSL", { WT_SESSION: "x", TERM: "xterm-256color" }, true],
    ["xterm", { TERM: "xterm" }, true],
    ["xterm-256color, nothing else (e.g. over ssh)", { TERM: "xterm-256color" }, true],
    ["kitty", { TERM: "xterm-kitty" }, true],
    ["kitty started from Konsole", { TERM: "xterm-kitty", KONSOLE_VERSION: "230804" }, true],
    ["Alacritty", { TERM: "alacritty" }, true],
    ["foot", { TERM: "foot" }, true],
    ["GNOME Terminal 3.34+ (VTE 0.58)", { VTE_VERSION: "5800", TERM: "xterm-256color" }, false],
    ["recent VTE", { VTE_VERSION: "7802", TERM: "xterm-256color" }, false],
    ["old VTE without BiDi", { VTE_VERSION: "5202", TERM: "xterm-256color" }, true],
    ["Konsole", { KONSOLE_VERSION: "230804", TERM: "xterm-256color" }, false],
    ["mlterm", { TERM: "mlterm" }, false],
    ["mlterm as xterm", { MLTERM: "3.9.3", TERM: "xterm" }, false],
    ["tmux", { TERM: "tmux-256color", TERM_PROGRAM: "tmux" }, false],
    ["screen", { TERM: "screen" }, false],
    ["Linux console", { TERM: "linux" }, false],
    ["nothing known", {}, false],
  ];
  it.each(cases)("%s", (_name, env, expected) => {
    expect(terminalNeedsBidi(env)).toBe(expected);
  });
});
