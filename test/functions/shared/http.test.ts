import { expect } from "chai";
import { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import {
  apiHandler,
  callerId,
  corsHeaders,
  header,
  HttpError,
  MAX_BODY_BYTES,
  parseJsonBody,
  parseQuery,
} from "../../../functions/shared/http";
import { answer, apiEvent, ORIGIN } from "../helpers/api";
import { thrown } from "../../helpers/errors";

const Body = z.strictObject({
  name: z.string().check(z.minLength(1)),
  count: z.optional(z.number()),
});

function bodyError(input: Parameters<typeof apiEvent>[0]): HttpError {
  const error = thrown(() => parseJsonBody(apiEvent(input), Body));
  expect(error).to.be.instanceOf(HttpError);
  return error as HttpError;
}

describe("shared http", () => {
  describe("parseJsonBody", () => {
    it("returns the validated body, plain or base64", () => {
      expect(parseJsonBody(apiEvent({ body: { name: "a" } }), Body)).to.deep.equal({ name: "a" });
      expect(
        parseJsonBody(apiEvent({ body: { name: "b", count: 2 }, base64: true }), Body),
      ).to.deep.equal({
        name: "b",
        count: 2,
      });
      expect(
        parseJsonBody(
          apiEvent({
            body: { name: "c" },
            headers: { "content-type": "Application/JSON; charset=UTF-8" },
          }),
          Body,
        ),
      ).to.deep.equal({ name: "c" });
    });

    const cases: [string, Parameters<typeof apiEvent>[0], number, string, RegExp, string?][] = [
      ["malformed JSON", { rawBody: "{name:" }, 400, "invalid_json", /not valid JSON/],
      ["an empty body", { rawBody: "" }, 400, "invalid_json", /empty/],
      ["a JSON array", { body: [1] }, 400, "invalid_request", /must be a JSON object/],
      ["a missing field", { body: {} }, 400, "invalid_request", /^name is required$/, "name"],
      [
        "a wrong type",
        { body: { name: 3 } },
        400,
        "invalid_request",
        /^name: .*expected string/,
        "name",
      ],
      [
        "an unknown field",
        { body: { name: "a", userId: "x" } },
        400,
        "invalid_request",
        /unknown field "userId"/,
        "userId",
      ],
      [
        "a wrong content type",
        { body: { name: "a" }, headers: { "Content-Type": "text/plain" } },
        415,
        "unsupported_media_type",
        /text\/plain/,
      ],
      [
        "a non-UTF-8 charset",
        { body: { name: "a" }, headers: { "Content-Type": "application/json; charset=latin1" } },
        415,
        "unsupported_media_type",
        /application\/json/,
      ],
      [
        "an oversized body",
        { body: { name: "x".repeat(MAX_BODY_BYTES) } },
        413,
        "payload_too_large",
        /limit is 16384/,
      ],
    ];
    for (const [label, input, status, code, message, field] of cases) {
      it(`rejects ${label} with ${status} ${code}`, () => {
        const error = bodyError(input);
        expect(error.status).to.equal(status);
        expect(error.code).to.equal(code);
        expect(error.message).to.match(message);
        expect(error.field).to.equal(field);
      });
    }

    it("counts the size after base64 decoding", () => {
      const justFits = { name: "x".repeat(MAX_BODY_BYTES - 20) };
      expect(JSON.stringify(justFits).length).to.be.at.most(MAX_BODY_BYTES);
      expect(parseJsonBody(apiEvent({ body: justFits, base64: true }), Body)).to.deep.equal(
        justFits,
      );
    });

    it("rejects a body marked base64 that is not", () => {
      const event = apiEvent({ rawBody: "x" });
      event.body = "!!!!";
      event.isBase64Encoded = true;
      expect(() => parseJsonBody(event, Body)).to.throw(HttpError, /not valid base64/);
    });

    it("rejects bytes that are not UTF-8 once decoded", () => {
      const event = apiEvent({ rawBody: "x" });
      event.body = Buffer.from([0x7b, 0xff, 0x7d]).toString("base64");
      event.isBase64Encoded = true;
      expect(() => parseJsonBody(event, Body)).to.throw(HttpError, /not valid UTF-8/);
    });
  });

  describe("parseQuery", () => {
    const Query = z.strictObject({ limit: z.optional(z.string()) });
    it("accepts known parameters and none at all", () => {
      expect(parseQuery(apiEvent({ query: { limit: "5" } }), Query)).to.deep.equal({ limit: "5" });
      expect(parseQuery(apiEvent(), Query)).to.deep.equal({});
    });
    it("names an unknown parameter", () => {
      expect(() => parseQuery(apiEvent({ query: { userId: "x" } }), Query)).to.throw(
        HttpError,
        'unknown query parameter "userId"',
      );
    });
    it("rejects a repeated parameter", () => {
      expect(() => parseQuery(apiEvent({ multiQuery: { limit: ["1", "2"] } }), Query)).to.throw(
        HttpError,
        /limit is given more than once/,
      );
    });
  });

  describe("callerId", () => {
    it("is the authorizer's sub claim", () => {
      expect(callerId(apiEvent({ sub: "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab" }))).to.equal(
        "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
      );
    });
    const bad: [string, unknown][] = [
      ["no authorizer", undefined],
      ["no claims", {}],
      ["an empty sub", { claims: { sub: "" } }],
      ["a numeric sub", { claims: { sub: 7 } }],
      ["a sub with a slash", { claims: { sub: "a/../b" } }],
      ["a sub with a hash", { claims: { sub: "a#SESSION" } }],
    ];
    for (const [label, authorizer] of bad) {
      it(`401 for ${label}`, () => {
        const event = apiEvent();
        (event.requestContext as any).authorizer = authorizer;
        expect(() => callerId(event))
          .to.throw(HttpError)
          .with.property("status", 401);
      });
    }
  });

  describe("corsHeaders and header", () => {
    it("echoes only allowed origins and always varies on Origin", () => {
      expect(corsHeaders("https://a", ["https://a"])).to.deep.equal({
        Vary: "Origin",
        "Access-Control-Allow-Origin": "https://a",
      });
      expect(corsHeaders("https://evil", ["https://a"])).to.deep.equal({ Vary: "Origin" });
      expect(corsHeaders(undefined, ["https://a"])).to.deep.equal({ Vary: "Origin" });
    });
    it("finds headers whatever their case", () => {
      expect(header({ headers: { "CONTENT-type": "x" } }, "Content-Type")).to.equal("x");
      expect(header({ headers: {} }, "Origin")).to.equal(undefined);
    });
  });

  describe("apiHandler", () => {
    const logger = new Logger({ logLevel: "SILENT" });
    const allowed = (): readonly string[] => [ORIGIN];

    it("answers JSON with CORS for success and HttpError", async () => {
      const ok = answer(
        await apiHandler({ logger, allowedOrigins: allowed }, () =>
          Promise.resolve({ status: 201, body: { a: 1 } }),
        )(apiEvent()),
      );
      expect(ok.status).to.equal(201);
      expect(ok.json).to.deep.equal({ a: 1 });
      expect(ok.headers).to.include({
        "Content-Type": "application/json",
        "Access-Control-Allow-Origin": ORIGIN,
        Vary: "Origin",
      });
      const refused = answer(
        await apiHandler({ logger, allowedOrigins: allowed }, () =>
          Promise.reject(new HttpError(404, "nope", "thing is missing", "thing")),
        )(apiEvent()),
      );
      expect(refused.status).to.equal(404);
      expect(refused.json).to.deep.equal({
        error: "nope",
        message: "thing is missing",
        field: "thing",
      });
    });

    it("hides unexpected errors behind a generic 500", async () => {
      const failed = answer(
        await apiHandler({ logger, allowedOrigins: allowed }, () =>
          Promise.reject(new Error("db password is hunter2")),
        )(apiEvent()),
      );
      expect(failed.status).to.equal(500);
      expect(failed.json.error).to.equal("internal_error");
      expect(failed.json.message).not.to.include("hunter2");
      expect(failed.json.message).to.include("req-1");
    });

    it("answers 500 when the configuration cannot be read", async () => {
      const failed = answer(
        await apiHandler(
          {
            logger,
            allowedOrigins: () => {
              throw new Error("environment variable ALLOWED_ORIGINS is not set");
            },
          },
          () => Promise.resolve({ status: 200, body: {} }),
        )(apiEvent()),
      );
      expect(failed.status).to.equal(500);
      expect(failed.headers).not.to.have.property("Access-Control-Allow-Origin");
    });
  });
});
