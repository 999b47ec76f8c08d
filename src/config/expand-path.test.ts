import { userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  atlasHome,
  hfHome,
  hfHubCache,
  hfOffline,
  hfStoredTokensPath,
  hfTokenPath,
  proxyEnv,
} from "./env.js";
import { expandPath, expandUser, expandVars } from "./expand-path.js";

// Expected values are what CPython 3.12 prints for the same input (posixpath / ntpath).
describe("expandUser (os.path.expanduser)", () => {
  const env = { HOME: "/home/me/" };
  it("expands ~ and ~/… from $HOME, trailing slashes dropped", () => {
    expect(expandUser("~", env, "posix")).toBe("/home/me");
    expect(expandUser("~/hfcache", env, "posix")).toBe("/home/me/hfcache");
    expect(expandUser("~/", { HOME: "/" }, "posix")).toBe("/");
  });
  it("leaves other paths and unknown users alone", () => {
    expect(expandUser("a/~/b", env, "posix")).toBe("a/~/b");
    expect(expandUser("~no-such-user-xyz/x", env, "posix")).toBe("~no-such-user-xyz/x");
  });
  it("~name is that user's home", () => {
    const me = userInfo();
    expect(expandUser(`~${me.username}/x`, env, "posix")).toBe(`${me.homedir.replace(/\/+$/, "")}/x`);
  });
  it("on Windows uses USERPROFILE and either slash", () => {
    expect(expandUser("~\\models", { USERPROFILE: "C:\\Users\\me" }, "windows")).toBe(
      "C:\\Users\\me\\models",
    );
    expect(expandUser("~/models", { HOMEDRIVE: "D:", HOMEPATH: "\\me" }, "windows")).toBe("D:\\me/models");
  });
});

describe("expandVars (os.path.expandvars)", () => {
  const env = { HOME: "/home/me", DATA: "/data", EMPTY: "" };
  it("replaces $NAME and ${NAME}; unknown names stay as written", () => {
    expect(expandVars("$HOME/x", env, "posix")).toBe("/home/me/x");
    expect(expandVars("${DATA}/hub", env, "posix")).toBe("/data/hub");
    expect(expandVars("$DATA$HOME", env, "posix")).toBe("/data/home/me");
    expect(expandVars("$NOPE/x and ${NOPE}", env, "posix")).toBe("$NOPE/x and ${NOPE}");
    expect(expandVars("a${EMPTY}b", env, "posix")).toBe("ab");
    expect(expandVars("$HOME-x.y", env, "posix")).toBe("/home/me-x.y");
    expect(expandVars("price: $5", env, "posix")).toBe("price: $5");
  });
  it("on Windows also %NAME%, case-insensitively; '…' is verbatim", () => {
    expect(expandVars("%data%\\hub", env, "windows")).toBe("/data\\hub");
    expect(expandVars("'$HOME' $HOME %%", env, "windows")).toBe("'$HOME' /home/me %");
  });
  it("expandPath: expanduser first, then expandvars (a value starting with ~ is not expanded again)", () => {
    expect(expandPath("~/$DATA", { HOME: "/h", DATA: "d" }, "posix")).toBe("/h/d");
    expect(expandPath("$TILDE/x", { HOME: "/h", TILDE: "~" }, "posix")).toBe("~/x");
  });
});

describe("path variables", () => {
  it("HF_HOME, HF_HUB_CACHE, HF_TOKEN_PATH and ATLAS_HOME expand ~ and $VAR (never <cwd>/~)", () => {
    const env = { HOME: "/home/me", DISK: "/mnt/disk" };
    expect(hfHome({ ...env, HF_HOME: "~/hfcache" })).toBe("/home/me/hfcache");
    expect(hfHubCache({ ...env, HF_HOME: "~/hfcache" })).toBe("/home/me/hfcache/hub");
    expect(hfHubCache({ ...env, HF_HUB_CACHE: "$DISK/hub" })).toBe("/mnt/disk/hub");
    expect(hfHubCache({ ...env, HUGGINGFACE_HUB_CACHE: "${DISK}/old" })).toBe("/mnt/disk/old");
    expect(hfTokenPath({ ...env, HF_TOKEN_PATH: "~/secrets/hf" })).toBe("/home/me/secrets/hf");
    expect(hfStoredTokensPath({ ...env, HF_TOKEN_PATH: "~/secrets/hf" })).toBe(
      "/home/me/secrets/stored_tokens",
    );
    expect(hfTokenPath({ ...env, HF_HOME: "$DISK/hf" })).toBe("/mnt/disk/hf/token");
    expect(atlasHome({ ...env, ATLAS_HOME: "~/atlas" })).toBe("/home/me/atlas");
    expect(atlasHome({ ...env, ATLAS_HOME: "$DISK/atlas" })).toBe("/mnt/disk/atlas");
  });

  it("defaults: ~/.cache/huggingface (or $XDG_CACHE_HOME/huggingface) and ~/.atlas, from $HOME", () => {
    expect(hfHome({ HOME: "/home/me" })).toBe("/home/me/.cache/huggingface");
    expect(hfHome({ HOME: "/home/me", XDG_CACHE_HOME: "~/cache" })).toBe("/home/me/cache/huggingface");
    expect(atlasHome({ HOME: "/home/me" })).toBe("/home/me/.atlas");
    expect(hfTokenPath({ HOME: "/home/me" })).toBe(join("/home/me/.cache/huggingface", "token"));
  });
});

describe("offline and proxy variables", () => {
  it("HF_HUB_OFFLINE, else TRANSFORMERS_OFFLINE; 1/on/yes/true in any case", () => {
    expect(hfOffline({ TRANSFORMERS_OFFLINE: "1" })).toBe(true);
    expect(hfOffline({ HF_HUB_OFFLINE: "", TRANSFORMERS_OFFLINE: "YES" })).toBe(true);
    // Python reads `HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE`: a set HF_HUB_OFFLINE wins.
    expect(hfOffline({ HF_HUB_OFFLINE: "0", TRANSFORMERS_OFFLINE: "1" })).toBe(false);
    expect(hfOffline({ HF_HUB_OFFLINE: "On" })).toBe(true);
    expect(hfOffline({ HF_HUB_OFFLINE: "2" })).toBe(false);
  });

  it("proxy variables as urllib reads them: any case, lower case wins, empty lower case unsets, CGI drops HTTP_PROXY", () => {
    expect(proxyEnv({ HTTPS_PROXY: "http://a:1", https_proxy: "http://b:2" }).https).toEqual({
      url: "http://b:2",
      variable: "https_proxy",
    });
    expect(proxyEnv({ HTTPS_PROXY: "http://a:1", https_proxy: "" }).https).toBeUndefined();
    expect(proxyEnv({ HTTP_PROXY: "http://a:1", REQUEST_METHOD: "GET" }).http).toBeUndefined();
    expect(proxyEnv({ http_proxy: "http://a:1", REQUEST_METHOD: "GET" }).http?.url).toBe("http://a:1");
    expect(proxyEnv({ ALL_PROXY: "socks5://s:1080", NO_PROXY: "x" })).toEqual({
      all: { url: "socks5://s:1080", variable: "ALL_PROXY" },
      no: { url: "x", variable: "NO_PROXY" },
    });
  });
});
