import { expect } from "chai";
import { documentationPlaceholders, placeholderReason } from "../../config";

describe("documentation placeholders", () => {
  describe("placeholderReason", () => {
    const domain = "a reserved documentation domain";
    const account = "an ARN in AWS's documentation account";
    const spelled = "an id spelled EXAMPLE";
    const cases: [string, string | undefined][] = [
      ["example.com", domain],
      ["arbees.example.com", domain],
      ["api.example.net", domain],
      ["example.org", domain],
      ["Api.Example.Com", domain],
      ["https://quickbets.example.com", domain],
      ["https://quickbets.example.com/app", domain],
      ["https://quickbets.example.com:8443", domain],
      ["https://quickbets.example.com?x=1", domain],
      ["https://quickbets.example.com#top", domain],
      ["oncall@example.org", domain],
      ["see example.com now", domain],
      ['at example.com"', domain],
      ["host.test", domain],
      ["x.invalid", domain],
      ["shop.example", domain],
      ["EXAMPLE.COM", domain],
      ["myexample.com", undefined],
      ["example.community", undefined],
      ["example.com.trading.io", undefined],
      ["example.comx", undefined],
      ["docs.examples.io", undefined],
      ["ci.testing.trading.io", undefined],
      ["status.invalidation.io", undefined],
      ["latest.io", undefined],
      ["contest", undefined],
      ["arbees.trading.io", undefined],
      ["https://alpha-kite.supabase.co", undefined],
      ["http://localhost:5173", undefined],
      ["arn:aws:acm:us-east-1:123456789012:certificate/abc", account],
      ["arn:aws-us-gov:iam::111122223333:role/x", account],
      ["arn:aws:acm:us-east-1:210987654321:certificate/abc", undefined],
      ["arn:aws:iam::1234567890123:role/x", undefined],
      ["xarn:aws:iam::123456789012:role/x", undefined],
      ["Z0EXAMPLE12345", spelled],
      ["Z0example12345", undefined],
      ["Z1D633PJN98FT9", undefined],
      ["", undefined],
    ];
    for (const [value, reason] of cases) {
      it(`${JSON.stringify(value)}: ${String(reason)}`, () =>
        expect(placeholderReason(value)).to.equal(reason));
    }
  });

  describe("documentationPlaceholders", () => {
    it("finds them at any depth of platform: settings only, sorted by key, with their paths", () => {
      expect(
        documentationPlaceholders({
          "platform:quickbets": JSON.stringify({
            corsOrigins: ["https://qb.trading.io", "https://qb.example.com"],
            websocket: { domainName: "ws.example.net", hostedZoneId: "Z1D633PJN98FT9" },
            rateLimit: 20,
            threatProtection: false,
            note: null,
          }),
          "platform:alertEmail": "oncall@example.org",
          "platform:arbees": JSON.stringify([{ zone: "Z0EXAMPLE1" }]),
          "platform:azs": "2",
          "aws:region": "example.com",
          "cost:host": "example.com",
          "platformx:host": "example.com",
        }),
      ).to.deep.equal([
        { kind: "placeholder", key: "platform:alertEmail", value: "oncall@example.org" },
        { kind: "placeholder", key: "platform:arbees[0].zone", value: "Z0EXAMPLE1" },
        {
          kind: "placeholder",
          key: "platform:quickbets.corsOrigins[1]",
          value: "https://qb.example.com",
        },
        {
          kind: "placeholder",
          key: "platform:quickbets.websocket.domainName",
          value: "ws.example.net",
        },
      ]);
    });

    it("finds none in settings from the team's own domains", () => {
      expect(
        documentationPlaceholders({
          "platform:quickbets": JSON.stringify({ corsOrigins: ["https://qb.trading.io"] }),
          "platform:environment": "prod",
        }),
      ).to.deep.equal([]);
    });
  });
});
