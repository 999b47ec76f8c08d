import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { describeRoute, proxyRoute, redactUrl } from "./proxy-route.js";

const HUB = "https://huggingface.co/api/models/x/y";
const PROXY = "http://proxy.corp:3128";

/** "proxy" or "direct" for `url` under `env`. */
function via(url: string, env: Record<string, string>): string {
  const route = proxyRoute(url, env);
  return route.kind === "proxy" ? route.proxy.host : "direct";
}

// The expectations are httpx's (`get_environment_proxies` + `URLPattern`), which huggingface_hub uses.
describe("proxyRoute", () => {
  it("https:// uses HTTPS_PROXY, http:// HTTP_PROXY, never the other; ALL_PROXY for both", () => {
    expect(via(HUB, { HTTPS_PROXY: PROXY })).toBe("proxy.corp:3128");
    expect(via(HUB, { HTTP_PROXY: PROXY })).toBe("direct");
    expect(via("http://mirror.lan/x", { HTTP_PROXY: PROXY })).toBe("proxy.corp:3128");
    expect(via("http://mirror.lan/x", { HTTPS_PROXY: PROXY })).toBe("direct");
    expect(via(HUB, { ALL_PROXY: "socks5://s:1080" })).toBe("s:1080");
    expect(via(HUB, { ALL_PROXY: "http://all:1", HTTPS_PROXY: PROXY })).toBe("proxy.corp:3128");
  });

  it("NO_PROXY: a name covers the domain and its subdomains; a leading dot only subdomains", () => {
    const env = { HTTPS_PROXY: PROXY };
    expect(via(HUB, { ...env, NO_PROXY: "huggingface.co" })).toBe("direct");
    expect(via("https://cdn-lfs.huggingface.co/x", { ...env, NO_PROXY: "huggingface.co" })).toBe("direct");
    expect(via("https://nothuggingface.co/x", { ...env, NO_PROXY: "huggingface.co" })).toBe(
      "proxy.corp:3128",
    );
    expect(via(HUB, { ...env, NO_PROXY: ".huggingface.co" })).toBe("proxy.corp:3128");
    expect(via("https://cdn-lfs.huggingface.co/x", { ...env, NO_PROXY: ".huggingface.co" })).toBe("direct");
    expect(via("https://cdn.hf.co/x", { ...env, NO_PROXY: "*.hf.co" })).toBe("direct");
    expect(via(HUB, { ...env, NO_PROXY: "HuggingFace.CO" })).toBe("direct");
  });

  it("NO_PROXY: host:port matches that port only (default ports included), spaces are trimmed", () => {
    const env = { HTTPS_PROXY: PROXY };
    expect(via(HUB, { ...env, NO_PROXY: "huggingface.co:8443" })).toBe("proxy.corp:3128");
    expect(via("https://huggingface.co:8443/x", { ...env, NO_PROXY: " a.b , huggingface.co:8443" })).toBe(
      "direct",
    );
    expect(via(HUB, { ...env, NO_PROXY: "huggingface.co:443" })).toBe("direct");
  });

  it("NO_PROXY: * anywhere in the list turns the proxy off; IPs, IPv6 and CIDR ranges", () => {
    const env = { HTTPS_PROXY: PROXY, HTTP_PROXY: PROXY };
    expect(via(HUB, { ...env, NO_PROXY: "*" })).toBe("direct");
    expect(via(HUB, { ...env, NO_PROXY: "example.org,*" })).toBe("direct");
    expect(via("http://10.1.2.3:8080/x", { ...env, NO_PROXY: "10.1.2.3" })).toBe("direct");
    expect(via("http://10.1.2.3:8080/x", { ...env, NO_PROXY: "10.0.0.0/8" })).toBe("direct");
    expect(via("http://11.1.2.3/x", { ...env, NO_PROXY: "10.0.0.0/8" })).toBe("proxy.corp:3128");
    expect(via("http://[::1]:8080/x", { ...env, NO_PROXY: "::1" })).toBe("direct");
    expect(via("http://localhost:8080/x", { ...env, NO_PROXY: "localhost" })).toBe("direct");
    expect(via("http://a.localhost/x", { ...env, NO_PROXY: "localhost" })).toBe("proxy.corp:3128");
    expect(via(HUB, { ...env, NO_PROXY: "http://huggingface.co" })).toBe("proxy.corp:3128");
  });

  it("reads the lower-case spelling first and a bare host:port as http://", () => {
    expect(via(HUB, { HTTPS_PROXY: "http://upper:1", https_proxy: "lower:2" })).toBe("lower:2");
    const route = proxyRoute(HUB, { https_proxy: "lower:2" });
    expect(route).toMatchObject({ kind: "proxy", variable: "https_proxy" });
  });

  it("names the variable of a proxy URL it cannot use", () => {
    expect(() => proxyRoute(HUB, { HTTPS_PROXY: "ftp://x:21" })).toThrow(/HTTPS_PROXY/);
    try {
      proxyRoute(HUB, { HTTPS_PROXY: "http://[bad" });
    } catch (error) {
      expect(isAtlasError(error, "BAD_ARGUMENT")).toBe(true);
    }
  });

  it("never shows credentials", () => {
    expect(redactUrl("http://alice:s3cret@proxy:3128")).toBe("http://alice:***@proxy:3128/");
    expect(redactUrl("http://tokenonly@proxy:3128")).toBe("http://***@proxy:3128/");
    expect(redactUrl("alice:s3cret@proxy:3128")).toBe("alice:***@proxy:3128/");
    const route = proxyRoute(HUB, { HTTPS_PROXY: "http://alice:s3cret@proxy:3128" });
    expect(describeRoute(route)).toBe("through the proxy http://alice:***@proxy:3128/ (HTTPS_PROXY)");
    expect(describeRoute(proxyRoute(HUB, {}))).toBe("directly (no proxy variable set)");
    expect(describeRoute(proxyRoute(HUB, { HTTPS_PROXY: PROXY, NO_PROXY: ".co" }))).toBe(
      "directly (NO_PROXY lists '.co')",
    );
  });
});
