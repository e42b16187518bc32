import { S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import * as z from "zod/mini";
import {
  cached,
  parseCredentials,
  secretCredentials,
} from "../../../containers/web-api/src/credentials";
import {
  HttpError,
  isJsonContentType,
  isStorableText,
  jsonProblem,
  parseId,
  parseJsonBody,
  validationError,
} from "../../../containers/web-api/src/http";
import {
  issueProblem,
  requireJsonContentType,
} from "../../../containers/web-api/src/shared/json-body";
import { describeError } from "../../../containers/web-api/src/log";
import {
  presignUpload,
  uploadClient,
  uploadKey,
  UPLOAD_URL_TTL_SECONDS,
} from "../../../containers/web-api/src/uploads";
import { rejection, thrown } from "../../helpers/errors";
import { findPostgresBin, newestFirst } from "../../helpers/postgres";

const bytes = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer;

describe("web API helpers", () => {
  describe("parseId", () => {
    const ok = [
      "0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a10",
      "0B7E3C2A-1F4D-4C8E-9A6B-2D5F7E8C9A10",
      "00000000-0000-0000-0000-000000000000",
    ];
    for (const id of ok)
      it(`accepts ${id}`, () => expect(parseId(id, "job_id")).to.equal(id.toLowerCase()));
    const bad = [
      "",
      "42",
      "0b7e3c2a1f4d4c8e9a6b2d5f7e8c9a10",
      "{0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a10}",
      "0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a1g",
      "0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a10 ",
      "x0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a10",
      "' OR 1=1 --",
    ];
    for (const id of bad) {
      it(`refuses ${JSON.stringify(id)} naming the field`, () => {
        const error = thrown(() => parseId(id, "run_id"));
        expect(error).to.be.instanceOf(HttpError);
        expect((error as HttpError).toJSON()).to.deep.equal({
          error: "invalid_request",
          message: "run_id must be a UUID",
          field: "run_id",
        });
      });
    }
  });

  describe("HttpError", () => {
    it("is named, and answers its field only when it has one", () => {
      const plain = new HttpError(404, "not_found", "gone");
      expect(plain.name).to.equal("HttpError");
      expect(plain.toJSON()).to.deep.equal({ error: "not_found", message: "gone" });
      expect(new HttpError(400, "invalid_request", "bad", "name").toJSON()).to.deep.equal({
        error: "invalid_request",
        message: "bad",
        field: "name",
      });
    });
    it("validationError makes the first zod issue a 400 naming its field", () => {
      const result = z
        .strictObject({ name: z.string() })
        .safeParse({ name: 1 }, { reportInput: true });
      expect(result.success).to.equal(false);
      const error = validationError(result.error!.issues);
      expect([error.status, error.toJSON()]).to.deep.equal([
        400,
        {
          error: "invalid_request",
          message: "name: Invalid input: expected string, received number",
          field: "name",
        },
      ]);
    });
  });

  describe("isStorableText", () => {
    const cases: [string, boolean][] = [
      ["plain", true],
      ["", true],
      ["emoji 🚀 (a surrogate pair)", true],
      ["'; DROP TABLE jobs; --", true],
      ["nul \u0000 inside", false],
      ["lone high \ud800", false],
      ["lone low \udc00 x", false],
      ["reversed pair \udc00\ud800", false],
    ];
    for (const [text, want] of cases)
      it(`${JSON.stringify(text)} → ${want}`, () => expect(isStorableText(text)).to.equal(want));
  });

  describe("jsonProblem", () => {
    const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });
    const cases: {
      what: string;
      value: unknown;
      want: { path: string[]; reason: RegExp } | undefined;
    }[] = [
      { what: "an empty object", value: {}, want: undefined },
      {
        what: "scalars, arrays, nulls",
        value: { a: [1, "x", null, true, { b: 2.5 }] },
        want: undefined,
      },
      { what: "32 levels", value: nested(31), want: undefined },
      { what: "32 levels of objects, a scalar below", value: nested(32), want: undefined },
      {
        what: "null 32 levels down",
        value: JSON.parse(`${'{"a":'.repeat(32)}null${"}".repeat(32)}`),
        want: undefined,
      },
      {
        what: "33 levels",
        value: nested(33),
        want: { path: Array(32).fill("a"), reason: /deeper than 32/ },
      },
      {
        what: "NUL in a nested string",
        value: { a: [{ b: "x\u0000" }] },
        want: { path: ["a", "0", "b"], reason: /NUL/ },
      },
      {
        what: "NUL in a key",
        value: { "k\u0000": 1 },
        want: { path: ["k\u0000"], reason: /key must not/ },
      },
      {
        what: "a lone surrogate",
        value: { s: "\udfff" },
        want: { path: ["s"], reason: /unpaired/ },
      },
    ];
    for (const c of cases) {
      it(c.what, () => {
        const got = jsonProblem(c.value);
        if (c.want === undefined) return expect(got).to.be.undefined;
        expect(got?.path).to.deep.equal(c.want.path);
        expect(got?.reason).to.match(c.want.reason);
      });
    }
    it("survives 100 000 levels without a stack overflow", () => {
      const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`) as unknown;
      expect(jsonProblem(deep)?.reason).to.match(/deeper/);
    });
  });

  describe("isJsonContentType", () => {
    const cases: [string | undefined, boolean][] = [
      ["application/json", true],
      ["Application/JSON; charset=UTF-8", true],
      ['application/json; charset="utf-8"', true],
      ["application/json; charset=latin1", false],
      ["application/json-patch+json", false],
      ["application/json; charset=utf-8x", false],
      ["application/json; version=2", true],
      ["application/json;", true],
      ["text/plain", false],
      ["", false],
      [undefined, false],
    ];
    for (const [value, want] of cases)
      it(`${JSON.stringify(value)} → ${want}`, () =>
        expect(isJsonContentType(value)).to.equal(want));
  });

  describe("parseJsonBody", () => {
    const schema = z.strictObject({ name: z.string(), tags: z.optional(z.array(z.string())) });
    const cases: {
      what: string;
      type?: string;
      body: string;
      status: number;
      code: string;
      field?: string;
      message?: RegExp;
    }[] = [
      {
        what: "no content type",
        body: "{}",
        status: 415,
        code: "unsupported_media_type",
        message: /got none/,
      },
      { what: "empty", type: "application/json", body: "", status: 400, code: "invalid_json" },
      {
        what: "truncated",
        type: "application/json",
        body: '{"name":',
        status: 400,
        code: "invalid_json",
      },
      {
        what: "a string",
        type: "application/json",
        body: '"x"',
        status: 400,
        code: "invalid_request",
        message: /must be a JSON object/,
      },
      {
        what: "null",
        type: "application/json",
        body: "null",
        status: 400,
        code: "invalid_request",
        message: /must be a JSON object/,
      },
      {
        what: "missing field",
        type: "application/json",
        body: "{}",
        status: 400,
        code: "invalid_request",
        field: "name",
        message: /name is required/,
      },
      {
        what: "wrong nested type",
        type: "application/json",
        body: '{"name":"x","tags":[1]}',
        status: 400,
        code: "invalid_request",
        field: "tags.0",
      },
      {
        what: "unknown field",
        type: "application/json",
        body: '{"name":"x","extra":1}',
        status: 400,
        code: "invalid_request",
        field: "extra",
        message: /unknown field "extra"/,
      },
    ];
    for (const c of cases) {
      it(`${c.what}: ${c.status} ${c.code}`, () => {
        const error = thrown(() => parseJsonBody(c.type, bytes(c.body), schema));
        expect(error).to.be.instanceOf(HttpError);
        const http = error as HttpError;
        expect([http.status, http.code, http.field]).to.deep.equal([c.status, c.code, c.field]);
        if (c.message) expect(http.message).to.match(c.message);
      });
    }
    it("parses a valid body (with a UTF-8 BOM)", () => {
      expect(parseJsonBody("application/json", bytes('\ufeff{"name":"x"}'), schema)).to.deep.equal({
        name: "x",
      });
    });
    it("never echoes the rejected value in a schema message", () => {
      const error = thrown(() =>
        parseJsonBody("application/json", bytes('{"name": 123456789}'), schema),
      );
      expect(error).to.be.instanceOf(HttpError).with.property("field", "name");
      expect(error.message).not.to.include("123456789");
    });
  });

  describe("requireJsonContentType", () => {
    const refuse = (problem: object) => Object.assign(new Error("refused"), { problem });
    it("refuses another type naming at most 100 characters of it, or none", () => {
      const long = `text/${"x".repeat(200)}`;
      for (const [sent, got] of [
        [long, `"${long.slice(0, 100)}"`],
        [undefined, "none"],
      ] as const) {
        const error = thrown(() => requireJsonContentType(sent, refuse));
        expect((error as unknown as { problem: unknown }).problem).to.deep.equal({
          status: 415,
          code: "unsupported_media_type",
          message: `Content-Type must be application/json, got ${got}`,
        });
      }
      expect(requireJsonContentType("application/json", refuse)).to.equal(undefined);
    });
  });

  describe("issueProblem", () => {
    const issues = (schema: z.ZodMiniType, value: unknown) => {
      const result = schema.safeParse(value, { reportInput: true });
      return result.success ? [] : result.error.issues;
    };
    const Body = z.strictObject({ a: z.strictObject({ b: z.string() }) });
    const cases: [string, ReturnType<typeof issues>, object][] = [
      [
        "no issue",
        [],
        { status: 400, code: "invalid_request", message: "request body is invalid" },
      ],
      [
        "an unknown nested key",
        issues(Body, { a: { b: "x", c: 1 } }),
        {
          status: 400,
          code: "invalid_request",
          message: 'unknown field "a.c" in request body',
          field: "a.c",
        },
      ],
      [
        "an unknown top-level key",
        issues(Body, { a: { b: "x" }, z: 1 }),
        {
          status: 400,
          code: "invalid_request",
          message: 'unknown field "z" in request body',
          field: "z",
        },
      ],
      [
        "a body of the wrong type",
        issues(Body, [1]),
        { status: 400, code: "invalid_request", message: "request body must be a JSON object" },
      ],
      [
        "a body failing a check of its own",
        issues(z.string().check(z.minLength(2)), "x"),
        {
          status: 400,
          code: "invalid_request",
          message: "request body: Too small: expected string to have >=2 characters",
        },
      ],
      [
        "a missing nested field",
        issues(Body, { a: {} }),
        { status: 400, code: "invalid_request", message: "a.b is required", field: "a.b" },
      ],
    ];
    for (const [what, list, want] of cases) {
      it(`${what} → ${JSON.stringify(want)}`, () => expect(issueProblem(list)).to.deep.equal(want));
    }
    it("names the thing and its parts as told", () => {
      expect(
        issueProblem(issues(Body, { a: { b: "x" }, z: 1 }), "query string", "parameter"),
      ).to.deep.equal({
        status: 400,
        code: "invalid_request",
        message: 'unknown parameter "z" in query string',
        field: "z",
      });
      expect(issueProblem([], "query string")).to.deep.equal({
        status: 400,
        code: "invalid_request",
        message: "query string is invalid",
      });
    });
    it("an unknown-keys issue without keys names its path", () => {
      const [issue] = issues(Body, { a: { b: "x", c: 1 } });
      expect(issueProblem([{ ...issue!, keys: [] } as never]).field).to.equal("a.");
    });
  });

  describe("uploads", () => {
    it("presign with checksums only where required, in the given region", async () => {
      const client = uploadClient("eu-west-1");
      expect(await client.config.region()).to.equal("eu-west-1");
      expect(await client.config.requestChecksumCalculation()).to.equal("WHEN_REQUIRED");
    });
    it(`an upload URL lasts ${UPLOAD_URL_TTL_SECONDS} seconds from now by default`, async () => {
      expect(UPLOAD_URL_TTL_SECONDS).to.equal(900);
      const s3 = new S3Client({
        region: "us-east-1",
        credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake" },
      });
      const before = Math.floor(Date.now() / 1000) * 1000;
      const url = await presignUpload({ s3, bucket: "b", prefix: "p/" }, "r");
      expect(url.key).to.equal("p/r/input");
      expect(Date.parse(url.expiresAt) - 900_000).to.be.within(before, Date.now());
    });
  });

  describe("uploadKey", () => {
    const cases: [string, string, string][] = [
      [
        "uploads/",
        "0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a10",
        "uploads/0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a10/input",
      ],
      ["", "r", "r/input"],
      ["fred/in/", "r", "fred/in/r/input"],
    ];
    for (const [prefix, id, want] of cases)
      it(`${JSON.stringify(prefix)} + ${id} → ${want}`, () =>
        expect(uploadKey(prefix, id)).to.equal(want));
  });

  describe("describeError", () => {
    it("keeps name, message, code and stack, and drops pg's detail (row values)", () => {
      const error = Object.assign(new Error("duplicate key"), {
        code: "23505",
        detail: "Key (name)=(secret) exists",
      });
      const described = describeError(error);
      expect(described).to.include({ error: "Error", reason: "duplicate key", code: "23505" });
      expect(JSON.stringify(described)).not.to.include("Key (name)");
    });
    it("describes a thrown non-Error", () =>
      expect(describeError("boom")).to.deep.equal({ error: "boom" }));
  });
});

describe("web API database credentials", () => {
  describe("parseCredentials", () => {
    it("reads the RDS-managed secret", () => {
      expect(parseCredentials('{"username":"postgres","password":"p@ss"}')).to.deep.equal({
        username: "postgres",
        password: "p@ss",
      });
    });
    const bad: [string | undefined, RegExp][] = [
      [undefined, /not JSON/],
      ["hunter2", /not JSON/],
      ["[]", /no username/],
      ['{"username":"u"}', /no password/],
      ['{"username":"","password":"hunter2"}', /no username/],
      ['{"username":"u","password":7}', /no password/],
    ];
    for (const [secret, error] of bad) {
      it(`refuses ${String(secret)} without echoing it`, () => {
        expect(() => parseCredentials(secret))
          .to.throw(error)
          .that.satisfies((e: Error) => !e.message.includes("hunter2"));
      });
    }
  });

  describe("cached", () => {
    it("shares one load between concurrent callers, reuses it for the TTL, then reloads", async () => {
      let clock = 0;
      let loads = 0;
      const get = cached(
        () => Promise.resolve(++loads),
        1000,
        () => clock,
      );
      expect(await Promise.all([get(), get()])).to.deep.equal([1, 1]);
      clock = 999;
      expect(await get()).to.equal(1);
      clock = 1000;
      expect(await get()).to.equal(2);
    });
    it("does not cache a failure", async () => {
      let calls = 0;
      const get = cached(
        () => (++calls === 1 ? Promise.reject(new Error("throttled")) : Promise.resolve("ok")),
        1000,
        () => 0,
      );
      expect((await rejection(get())).message).to.equal("throttled");
      expect(await get()).to.equal("ok");
    });
  });

  it("secretCredentials fetches the secret by ARN once within the TTL", async () => {
    const sm = mockClient(SecretsManagerClient);
    try {
      const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-x";
      sm.on(GetSecretValueCommand, { SecretId: arn }).resolves({
        SecretString: '{"username":"u","password":"p"}',
      });
      const credentials = secretCredentials(new SecretsManagerClient({ region: "us-east-1" }), arn);
      expect(await credentials()).to.deep.equal({ username: "u", password: "p" });
      expect(await credentials()).to.deep.equal({ username: "u", password: "p" });
      expect(sm.commandCalls(GetSecretValueCommand)).to.have.length(1);
    } finally {
      sm.restore();
    }
  });
});

describe("test PostgreSQL helper", () => {
  it("orders version directories numerically, newest first", () => {
    expect(newestFirst(["9.6", "15", "16", "10", "main", "16.1"])).to.deep.equal([
      "16.1",
      "16",
      "15",
      "10",
      "9.6",
    ]);
  });
  it("prefers PATH, then the newest /usr/lib/postgresql version that has every binary", () => {
    const present = new Set([
      "/opt/pg/bin",
      "/usr/lib/postgresql/15/bin",
      "/usr/lib/postgresql/14/bin",
    ]);
    const exists = (file: string) => present.has(file.slice(0, file.lastIndexOf("/")));
    expect(findPostgresBin("/usr/bin:/opt/pg/bin", exists, () => ["14", "15"])).to.equal(
      "/opt/pg/bin",
    );
    expect(findPostgresBin("/usr/bin", exists, () => ["14", "15", "17"])).to.equal(
      "/usr/lib/postgresql/15/bin",
    );
  });
  it("fails with the install hint when there are no binaries", () => {
    expect(() =>
      findPostgresBin(
        "/usr/bin",
        () => false,
        () => [],
      ),
    ).to.throw(/apt-get install postgresql/);
  });
});
