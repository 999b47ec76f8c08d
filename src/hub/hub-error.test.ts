import { describe, expect, it } from "vitest";
import { hubHttpError } from "./hub-error.js";

const context = {
  endpoint: "https://huggingface.co",
  repo: "MBZUAI-Paris/Atlas-Chat-2B",
  revision: "main",
  hasToken: false,
};
const url = "https://huggingface.co/x";

describe("hubHttpError", () => {
  it("gated without a token: the message the user needs", () => {
    const error = hubHttpError({ status: 401, errorCode: "GatedRepo", url }, context);
    expect(error.code).toBe("AUTH");
    expect(error.message).toContain(
      "the model MBZUAI-Paris/Atlas-Chat-2B is gated — accept its license at https://huggingface.co/MBZUAI-Paris/Atlas-Chat-2B and set HF_TOKEN or run with --token",
    );
  });

  it("gated with a token that lacks access", () => {
    const error = hubHttpError({ status: 403, errorCode: "GatedRepo", url }, { ...context, hasToken: true });
    expect(error.code).toBe("AUTH");
    expect(error.message).toContain("your token has no access");
  });

  it("missing repo, revision and file → NOT_FOUND", () => {
    expect(hubHttpError({ status: 401, errorCode: "RepoNotFound", url }, context).message).toContain(
      "no such model or revision",
    );
    expect(hubHttpError({ status: 404, url }, { ...context, hasToken: true }).code).toBe("NOT_FOUND");
    expect(hubHttpError({ status: 404, errorCode: "RevisionNotFound", url }, context).message).toContain(
      "no such revision 'main'",
    );
    expect(
      hubHttpError({ status: 404, errorCode: "EntryNotFound", url }, { ...context, path: "a.json" }).message,
    ).toContain("no file 'a.json'");
  });

  it("other 401/403 → AUTH, anything else → NETWORK", () => {
    expect(hubHttpError({ status: 401, url }, { ...context, hasToken: true }).code).toBe("AUTH");
    expect(hubHttpError({ status: 403, url }, context).code).toBe("AUTH");
    expect(hubHttpError({ status: 418, url, message: "teapot" }, context)).toMatchObject({ code: "NETWORK" });
  });
});
