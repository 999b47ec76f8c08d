/**
 * `~` and `$VAR` in path variables, expanded exactly as Python's `os.path.expanduser` then
 * `os.path.expandvars` do — which is what `huggingface_hub` applies to `HF_HOME`, `HF_HUB_CACHE` and
 * `HF_TOKEN_PATH`. Without it `HF_HOME='~/hfcache'` would become `<cwd>/~/hfcache` here while Python uses
 * `$HOME/hfcache`, and a model downloaded by one would be downloaded again by the other.
 */
import { readFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";

type Env = Readonly<Record<string, string | undefined>>;

/** The platform rules to follow (Python's posixpath or ntpath); tests pass one explicitly. */
export type PathFlavor = "posix" | "windows";

function defaultFlavor(): PathFlavor {
  return process.platform === "win32" ? "windows" : "posix";
}

/** A user's home from /etc/passwd (`pwd.getpwnam`), or undefined when unknown. */
function passwdHome(name: string): string | undefined {
  try {
    if (name === userInfo().username) return userInfo().homedir;
  } catch {
    // No user entry for our uid (containers): look the name up in the file below.
  }
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const fields = line.split(":");
      if (fields[0] === name && fields[5] !== undefined) return fields[5];
    }
  } catch {
    // No passwd file: the path stays as it is, as in Python.
  }
  return undefined;
}

/**
 * `os.path.expanduser`: a leading `~` becomes `$HOME` (POSIX; `%USERPROFILE%` on Windows, falling back
 * to the account's home), `~name` that user's home; anything else, or an unknown user, is unchanged.
 * @example expandUser("~/hfcache", { HOME: "/home/me" }) // "/home/me/hfcache"
 */
export function expandUser(path: string, env: Env = process.env, flavor = defaultFlavor()): string {
  if (!path.startsWith("~")) return path;
  const windows = flavor === "windows";
  const separator = windows ? /[\\/]/ : /\//;
  const rest = path.slice(1);
  const match = separator.exec(rest);
  const end = match === null ? path.length : match.index + 1;
  const name = path.slice(1, end);
  let home: string | undefined;
  if (windows) {
    const own =
      env["USERPROFILE"] ??
      (env["HOMEPATH"] === undefined ? undefined : `${env["HOMEDRIVE"] ?? ""}${env["HOMEPATH"]}`) ??
      homedir();
    // ntpath: another user's home is assumed to sit next to ours.
    home = name === "" || name === env["USERNAME"] ? own : own.replace(/[^\\/]*$/, "").concat(name);
  } else {
    home = name === "" ? (env["HOME"] ?? homedir()) : passwdHome(name);
    if (home === undefined) return path;
  }
  const trimmed = home.replace(windows ? /[\\/]+$/ : /\/+$/, "");
  return `${trimmed}${path.slice(end)}` || (windows ? "\\" : "/");
}

// posixpath._varprog: `$name` (ASCII word characters) or `${anything but }}`.
const POSIX_VAR = /\$(\w+|\{[^}]*\})/g;

/**
 * `os.path.expandvars`: `$NAME` and `${NAME}` become the variable's value; unknown names stay as written.
 * On Windows also `%NAME%`, names compared without case, and `'…'` left alone, as `ntpath` does.
 * @example expandVars("$HOME/models", { HOME: "/home/me" }) // "/home/me/models"
 */
export function expandVars(path: string, env: Env = process.env, flavor = defaultFlavor()): string {
  if (flavor === "posix") {
    if (!path.includes("$")) return path;
    return path.replace(POSIX_VAR, (whole, raw: string) => {
      const name = raw.startsWith("{") ? raw.slice(1, -1) : raw;
      return env[name] ?? whole;
    });
  }
  const lookup = (name: string): string | undefined => {
    const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
    return key === undefined ? undefined : env[key];
  };
  // ntpath.expandvars: '…' is copied verbatim, %% is a literal %, $$ a literal $.
  return path.replace(
    /'[^']*'?|%%|%([^%]*)%|\$\$|\$\{([^}]*)\}|\$([A-Za-z0-9_-]+)/g,
    (whole, percent?: string, braced?: string, bare?: string) => {
      if (whole.startsWith("'")) return whole;
      if (whole === "%%") return "%";
      if (whole === "$$") return "$";
      const name = percent ?? braced ?? bare ?? "";
      return lookup(name) ?? whole;
    },
  );
}

/**
 * `expandvars(expanduser(path))`, the order `huggingface_hub` applies them in (so a variable whose
 * value starts with `~` is not expanded again, as in Python).
 */
export function expandPath(path: string, env: Env = process.env, flavor = defaultFlavor()): string {
  return expandVars(expandUser(path, env, flavor), env, flavor);
}
