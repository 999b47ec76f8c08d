import { ENV_VARS, hfEndpoint, hfHubCache, atlasHome, proxyEnv, type ProxyEnv } from "../../config/index.js";
import { errorMessage } from "../../core/index.js";
import { describeRoute, proxyRoute, redactUrl, resolveTokenInfo, type TokenInfo } from "../../hub/index.js";
import { parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { printJson, println } from "../io.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Variables whose value is a secret: shown only as "(set)". */
const SECRET = /^(HF_TOKEN|HUGGING_FACE_HUB_TOKEN)$|_API_KEY$|SECRET|PASSWORD/;

/** The proxy variable a row describes, if it is one. */
const PROXY_ROWS: Record<string, keyof ProxyEnv> = {
  HTTP_PROXY: "http",
  HTTPS_PROXY: "https",
  ALL_PROXY: "all",
  NO_PROXY: "no",
};

/** A row's value as shown: secrets hidden, proxy URLs without their credentials, in-effect spelling named. */
function shownValue(name: string, env: Env): string | null {
  const proxyKey = PROXY_ROWS[name];
  if (proxyKey !== undefined) {
    // urllib's rules: https_proxy wins over HTTPS_PROXY, so show whichever is in effect.
    const entry = proxyEnv(env)[proxyKey];
    if (entry === undefined) return null;
    const value = proxyKey === "no" ? entry.url : redactUrl(entry.url);
    return entry.variable === name ? value : `${value} (from ${entry.variable})`;
  }
  const value = env[name];
  if (value === undefined) return null;
  return SECRET.test(name) && value !== "" ? "(set)" : value;
}

/** Where the token comes from, in words. */
function tokenLine(info: TokenInfo): string {
  if (info.expired !== undefined)
    return `none sent: the stored token '${info.expired.name}' (${info.expired.path}) expired on ${info.expired.expiresAt.toISOString()}`;
  switch (info.source) {
    case "option":
      return "from --token";
    case "HF_TOKEN":
    case "HUGGING_FACE_HUB_TOKEN":
      return `from ${info.source}`;
    case "file": {
      const name = info.name === undefined ? "" : ` ('${info.name}'`;
      const expiry =
        info.expiresAt === undefined
          ? ""
          : `${name === "" ? " (" : ", "}expires ${info.expiresAt.toISOString()}`;
      return `from the token file ${info.path ?? ""}${name}${expiry}${name === "" && expiry === "" ? "" : ")"}`;
    }
    case "none":
      return "none (public models only)";
  }
}

export const envCommand: CliCommand = {
  name: "env",
  summary: "show the environment variables atlas reads, their values, and how the hub is reached",
  help: `Usage: atlas env [--json]

Lists every environment variable atlas reads, what it is for, its default and its current value
(tokens and keys are shown only as "(set)", proxy passwords as ***), then how hub requests go out:
directly or through which proxy, and which token they carry.

Options:
  --json     print JSON instead of a table (the HF_ENDPOINT row gains "route", HF_TOKEN "source")

Examples:
  atlas env
  HTTPS_PROXY=http://proxy.example.org:3128 atlas env
  ATLAS_HOME=/data/atlas atlas env --json`,
  run(argv, io) {
    const { values } = parseCommandArgs("env", argv, { json: { type: "boolean" } });
    const endpoint = hfEndpoint(io.env);
    let route: string;
    try {
      route = describeRoute(proxyRoute(endpoint, io.env));
    } catch (error) {
      route = `not usable: ${errorMessage(error)}`;
    }
    const token = tokenLine(resolveTokenInfo({ env: io.env }));
    const rows = ENV_VARS.map((v) => ({
      ...v,
      value: shownValue(v.name, io.env),
      ...(v.name === "HF_ENDPOINT" ? { route } : {}),
      ...(v.name === "HF_TOKEN" ? { source: token } : {}),
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
    println(io, "");
    println(io, `hub        ${endpoint}, reached ${route}`);
    println(io, "           (files it redirects to, on other hosts, follow the same proxy rules)");
    println(io, `token      ${token}`);
    println(io, `HF cache   ${hfHubCache(io.env)}`);
    println(io, `store      ${atlasHome(io.env)}`);
    return Promise.resolve(0);
  },
};
