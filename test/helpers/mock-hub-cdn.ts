/**
 * The CDN the hub redirects LFS files to, as strict as the real one (S3 / CloudFront behind
 * `cas-bridge.xethub.hf.co` and `cdn-lfs*.hf.co`): the URL is presigned (X-Amz-* query parameters, an
 * HMAC over the object and the expiry) and is the only credential it accepts —
 *
 * - a request that also carries an `Authorization` header gets S3's 400 `InvalidArgument` "Only one
 *   auth mechanism allowed";
 * - a missing or altered signature gets 403 `SignatureDoesNotMatch`, an expired URL 403 `AccessDenied`.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a signed URL is valid (the hub signs for an hour). */
const EXPIRES_S = 3600;

function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

function parseAmzDate(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m === null ? Number.NaN : Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

function s3Error(res: ServerResponse, status: number, code: string, message: string, extra = ""): void {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>MOCK${randomBytes(6).toString("hex").toUpperCase()}</RequestId></Error>`,
  );
}

/** Signs and checks the CDN's URLs. */
export class MockCdnSigner {
  private readonly secret = randomBytes(32);

  private signature(pathname: string, file: string, date: string, expires: string): string {
    return createHmac("sha256", this.secret)
      .update(`${pathname}\n${file}\n${date}\n${expires}`)
      .digest("hex");
  }

  /** A presigned URL for the object `sha256` (repo path `file`) on the CDN at `base`. */
  sign(base: string, sha256: string, file: string, now = Date.now()): string {
    const pathname = `/repos/${sha256}`;
    const date = amzDate(now);
    const url = new URL(pathname, base);
    const name = file.split("/").pop() ?? file;
    url.searchParams.set(
      "response-content-disposition",
      `inline; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name}";`,
    );
    url.searchParams.set("x-path", file);
    url.searchParams.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
    url.searchParams.set("X-Amz-Credential", `MOCKACCESSKEY/${date.slice(0, 8)}/us-east-1/s3/aws4_request`);
    url.searchParams.set("X-Amz-Date", date);
    url.searchParams.set("X-Amz-Expires", String(EXPIRES_S));
    url.searchParams.set("X-Amz-SignedHeaders", "host");
    url.searchParams.set("X-Amz-Signature", this.signature(pathname, file, date, String(EXPIRES_S)));
    return url.href;
  }

  /**
   * Checks a request the way S3 does; answers the error and returns undefined when it fails, else the
   * repo path it was signed for.
   */
  check(req: IncomingMessage, res: ServerResponse, url: URL): string | undefined {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      s3Error(
        res,
        400,
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        `<ArgumentName>Authorization</ArgumentName><ArgumentValue>${auth.split(" ")[0] ?? ""} ***</ArgumentValue>`,
      );
      return undefined;
    }
    const q = url.searchParams;
    const file = q.get("x-path") ?? "";
    const date = q.get("X-Amz-Date") ?? "";
    const expires = q.get("X-Amz-Expires") ?? "";
    const given = q.get("X-Amz-Signature") ?? "";
    const expected = this.signature(url.pathname, file, date, expires);
    if (
      q.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" ||
      given.length !== expected.length ||
      !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
    ) {
      s3Error(
        res,
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
      );
      return undefined;
    }
    if (Date.now() > parseAmzDate(date) + Number(expires) * 1000) {
      s3Error(res, 403, "AccessDenied", "Request has expired");
      return undefined;
    }
    return file;
  }
}
