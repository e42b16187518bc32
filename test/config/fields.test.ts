import { expect } from "chai";
import type { z } from "zod";
import {
  acmCertificateArn,
  browserOrigin,
  dnsName,
  emailAddress,
  hostedZoneId,
  httpsBaseUrl,
  imageTag,
  logRetention,
  trueOrFalse,
  wholeNumber,
} from "../../config/fields";

/** The messages `schema` gives `value`: [] when it accepts it. */
function messages(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.message);
}

/** Each value, accepted ("ok") or refused with exactly the message given. */
function table(name: string, schema: z.ZodType, cases: [unknown, string][]): void {
  describe(name, () => {
    for (const [value, expected] of cases) {
      it(`${expected === "ok" ? "accepts" : "refuses"} ${JSON.stringify(value)}`, () =>
        expect(messages(schema, value)).to.deep.equal(expected === "ok" ? [] : [expected]));
    }
  });
}

describe("config fields", () => {
  const range = "must be 10 to 20";
  table("wholeNumber(10, 20)", wholeNumber(10, 20), [
    [10, "ok"],
    [20, "ok"],
    [9, range],
    [21, range],
    [10.5, "must be a whole number"],
    ["15", "must be a whole number"],
  ]);

  table("logRetention()", logRetention(), [
    [1, "ok"],
    [14, "ok"],
    [3653, "ok"],
    [10, "must be a CloudWatch Logs retention"],
    ["14", "must be a number of days"],
  ]);

  table("logRetention(true)", logRetention(true), [
    [
      2,
      "must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ],
  ]);

  const url = "must be an https:// base URL without a path";
  table("httpsBaseUrl", httpsBaseUrl, [
    ["https://api.elections.kalshi.com", "ok"],
    ["https://localhost:8443", "ok"],
    ["https://a-b.example.io", "ok"],
    ["http://api.kalshi.com", url],
    ["https://api.kalshi.com/", url],
    ["https://api.kalshi.com/trade-api", url],
    ["https://api.kalshi.com:", url],
    ["https://api.kalshi.com:port", url],
    ["https://", url],
    ["https://user@api.kalshi.com", url],
    [" https://api.kalshi.com", url],
    ["https://api.kalshi.com ", url],
  ]);

  const origin = "must be an exact origin like https://app.example.com (no path, no wildcard)";
  table("browserOrigin", browserOrigin, [
    ["https://app.quickbets.io", "ok"],
    ["http://localhost:5173", "ok"],
    ["https://*.quickbets.io", origin],
    ["https://app.quickbets.io/", origin],
    ["ftp://app.quickbets.io", origin],
    ["https://app.quickbets.io:", origin],
    ["https://", origin],
    ["xhttps://app.quickbets.io", origin],
    ["https://app.quickbets.io:443x", origin],
  ]);

  const dns = "must be a DNS name";
  table("dnsName", dnsName, [
    ["arbees.trading.io", "ok"],
    ["a-1.b.co", "ok"],
    ["trading.io", "ok"],
    ["io", dns],
    ["Arbees.trading.io", dns],
    ["arbees.trading.i", dns],
    ["arbees.trading.io.", dns],
    ["arbees..io", dns],
    ["arbees.trading.i0", dns],
    ["-.io x", dns],
    [".io", dns],
  ]);

  const acm = "must be an ACM certificate ARN";
  table("acmCertificateArn", acmCertificateArn, [
    ["arn:aws:acm:us-east-1:210987654321:certificate/0d6f3c1e-7a52-4b8e-9f1d", "ok"],
    ["arn:aws-us-gov:acm:us-gov-west-1:210987654321:certificate/abc", "ok"],
    ["arn:aws:iam::210987654321:certificate/abc", acm],
    ["arn:aws:acm:us-east-1:21098765432:certificate/abc", acm],
    ["arn:aws:acm:us-east-1:2109876543210:certificate/abc", acm],
    ["arn:aws:acm:us-east-1:210987654321:certificate/", acm],
    ["arn:aws:acm:us-east-1:210987654321:certificate/abc/def", acm],
    ["arn:aws:acm::210987654321:certificate/abc", acm],
    ["xarn:aws:acm:us-east-1:210987654321:certificate/abc", acm],
    ["arn:aws:acm:us-east-1:210987654321:certificate/abc ", acm],
    ["arn:aws:acm:US-EAST-1:210987654321:certificate/abc", acm],
  ]);

  const zone = "must be a Route 53 hosted zone id";
  table("hostedZoneId", hostedZoneId, [
    ["Z1D633PJN98FT9", "ok"],
    ["Z1", "ok"],
    [`Z${"A".repeat(31)}`, "ok"],
    [`Z${"A".repeat(32)}`, zone],
    ["Z", zone],
    ["z1D633PJN98FT9", zone],
    ["Z1d633", zone],
    ["XZ1D633", zone],
    ["Z1D633 ", zone],
  ]);

  const tag = "must be an image tag";
  table("imageTag", imageTag, [
    ["2026.11.2", "ok"],
    ["v1_rc-2", "ok"],
    ["_x", "ok"],
    ["a", "ok"],
    [`a${"b".repeat(127)}`, "ok"],
    [`a${"b".repeat(128)}`, tag],
    ["", tag],
    [".hidden", tag],
    ["-x", tag],
    ["a:b", tag],
    ["a b", tag],
  ]);

  table("emailAddress", emailAddress, [
    ["alerts@trading.io", "ok"],
    ["alerts", "must be an email address"],
  ]);

  table("trueOrFalse", trueOrFalse, [
    [true, "ok"],
    [false, "ok"],
    ["true", "must be true or false"],
  ]);
});
