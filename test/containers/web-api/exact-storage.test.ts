/**
 * Property tests: whatever JSON a client sends as a run's parameters, the API either stores it and
 * answers it back exactly as the text meant it, or refuses it with a 400 naming the field and
 * writes nothing. Documents are generated as text beside a model of what the text means (so
 * repeated keys, numbers with no exact float, -0, NUL and lone surrogates can be written), sent
 * over real HTTP, stored in a real PostgreSQL, and read back through the API.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Pool } from "pg";
import { serveOnFreshDatabase, type ServedOnDatabase } from "./helpers";

/** What a JSON text means: numbers keep the token as written, objects every key in order. */
type Model =
  | { t: "null" }
  | { t: "bool"; v: boolean }
  | { t: "num"; token: string }
  | { t: "str"; v: string }
  | { t: "arr"; items: Model[] }
  | { t: "obj"; entries: [string, Model][] };

function render(model: Model): string {
  switch (model.t) {
    case "null":
      return "null";
    case "bool":
      return String(model.v);
    case "num":
      return model.token;
    case "str":
      // JSON.stringify escapes lone surrogates as \udXXX, so the text is valid JSON.
      return JSON.stringify(model.v);
    case "arr":
      return `[${model.items.map(render).join(",")}]`;
    case "obj":
      return `{${model.entries.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(",")}}`;
  }
}

/** A decimal as an integer significand and a power of ten, trailing zeros moved to the power. */
function exactValue(token: string): { negative: boolean; m: bigint; e: number } {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) throw new Error(`not a number: ${token}`);
  const [, sign, whole = "", fraction = "", exp = "0"] = match;
  let m = BigInt(whole + fraction);
  let e = Number(exp) - fraction.length;
  if (m === 0n) return { negative: sign === "-", m, e: 0 };
  while (m % 10n === 0n) {
    m /= 10n;
    e += 1;
  }
  return { negative: sign === "-", m, e };
}

/** True when `value` (parsed from the API's answer) is exactly what `model` means. */
function means(model: Model, value: unknown): boolean {
  switch (model.t) {
    case "null":
      return value === null;
    case "bool":
      return value === model.v;
    case "str":
      return value === model.v;
    case "num": {
      if (typeof value !== "number") return false;
      const want = exactValue(model.token);
      const got = exactValue(String(value));
      // JSON writes -0 as 0 and PostgreSQL's numeric has none: a meant -0 can never come back.
      if (want.m === 0n && want.negative) return false;
      return want.m === got.m && want.e === got.e && want.negative === got.negative;
    }
    case "arr":
      return (
        Array.isArray(value) &&
        value.length === model.items.length &&
        model.items.every((item, i) => means(item, value[i]))
      );
    case "obj": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
      const keys = model.entries.map(([k]) => k);
      if (new Set(keys).size !== keys.length) return false;
      const own = Object.keys(value);
      return (
        own.length === keys.length &&
        model.entries.every(
          ([k, v]) =>
            Object.prototype.hasOwnProperty.call(value, k) &&
            means(v, (value as Record<string, unknown>)[k]),
        )
      );
    }
  }
}

/** Every path in `model`, dotted, as the API names fields (prefixed with "parameters"). */
function paths(model: Model, prefix = "parameters", out = new Set<string>()): Set<string> {
  out.add(prefix);
  if (model.t === "arr") model.items.forEach((item, i) => paths(item, `${prefix}.${i}`, out));
  if (model.t === "obj") for (const [k, v] of model.entries) paths(v, `${prefix}.${k}`, out);
  return out;
}

// ---- arbitraries: hostile ones (anything JSON can say) and safe ones (must all be accepted) ----

const awkwardNumbers = fc.constantFrom(
  "-0",
  "-0.0",
  "0e5",
  "-0e-3",
  "9007199254740993",
  "9007199254740992",
  "1152921504606846976",
  "12345678901234567890",
  "1e400",
  "-1e400",
  "1e-400",
  "1E+2",
  "1.50",
  "0.1",
  "0.1000000000000000055511151231257827",
  "4.9e-324",
  "5e-324",
  "1.7976931348623157e308",
  "1.7976931348623159e308",
  "100000000000000000000000",
  "1e21",
);
const writtenNumbers = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^(0|[1-9]\d{0,24})$/),
    fc.option(fc.stringMatching(/^\d{1,20}$/), { nil: undefined }),
    fc.option(fc.integer({ min: -420, max: 420 }), { nil: undefined }),
  )
  .map(
    ([neg, whole, frac, exp]) =>
      `${neg ? "-" : ""}${whole}${frac === undefined ? "" : `.${frac}`}${exp === undefined ? "" : `e${exp}`}`,
  );
const hostileNumber = fc.oneof(
  awkwardNumbers,
  writtenNumbers,
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);
const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udc00", "\udc00\ud800", "🚀", '"\\', "\u2028"),
  fc.string({ maxLength: 8 }),
);
// A small pool of keys, so objects often repeat one.
const hostileKey = fc.oneof(
  fc.constantFrom("a", "b", "__proto__", "constructor", "toString", "", "0", "a\u0000", "\ud83d"),
  hostileText,
);

const hostile = fc.letrec<{ value: Model }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant<Model>({ t: "null" }),
    fc.boolean().map<Model>((v) => ({ t: "bool", v })),
    hostileNumber.map<Model>((token) => ({ t: "num", token })),
    hostileText.map<Model>((v) => ({ t: "str", v })),
    fc.array(tie("value"), { maxLength: 4 }).map<Model>((items) => ({ t: "arr", items })),
    fc
      .array(fc.tuple(hostileKey, tie("value")), { maxLength: 4 })
      .map<Model>((entries) => ({ t: "obj", entries })),
  ),
})).value;
const hostileParameters = fc
  .array(fc.tuple(hostileKey, hostile), { maxLength: 5 })
  .map<Model>((entries) => ({ t: "obj", entries }));

const safeNumber = fc.oneof(
  fc.integer().map(String),
  fc.maxSafeInteger().map(String),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((d) => !Object.is(d, -0))
    .map((d) => JSON.stringify(d)),
);
const safeText = fc
  .string({ unit: "grapheme", maxLength: 10 })
  .filter((s) => !s.includes("\u0000"));
const safeObject = (value: fc.Arbitrary<Model>): fc.Arbitrary<Model> =>
  fc
    .uniqueArray(fc.tuple(fc.oneof(safeText, fc.constantFrom("__proto__", "constructor")), value), {
      maxLength: 4,
      selector: ([k]) => k,
    })
    .map<Model>((entries) => ({ t: "obj", entries }));
const safe = fc.letrec<{ value: Model }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant<Model>({ t: "null" }),
    fc.boolean().map<Model>((v) => ({ t: "bool", v })),
    safeNumber.map<Model>((token) => ({ t: "num", token })),
    safeText.map<Model>((v) => ({ t: "str", v })),
    fc.array(tie("value"), { maxLength: 4 }).map<Model>((items) => ({ t: "arr", items })),
    safeObject(tie("value")),
  ),
})).value;

describe("FRED jobs API stores run parameters exactly, or refuses them (property tests)", function () {
  let served: ServedOnDatabase;
  let pool: Pool;
  let jobId: string;

  before(async () => {
    served = await serveOnFreshDatabase("exact");
    pool = served.pool;
    const { rows } = await pool.query<{ id: string }>(
      "INSERT INTO jobs (name) VALUES ('exact') RETURNING id",
    );
    jobId = rows[0]!.id;
  });

  after(async () => {
    await served?.stop();
  });

  const runCount = async (): Promise<number> =>
    (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM runs")).rows[0]!.n;

  /** POSTs `parameters` as written; returns the status, the answer and the runs written. */
  async function send(parameters: Model): Promise<{
    status: number;
    body: Record<string, unknown>;
    written: number;
  }> {
    const before = await runCount();
    const response = await fetch(`${served.base}/api/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"jobId":"${jobId}","parameters":${render(parameters)}}`,
    });
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, body, written: (await runCount()) - before };
  }

  /** The stored run's parameters, read back through the API and straight from PostgreSQL. */
  async function readBack(id: string): Promise<{ api: unknown; db: unknown }> {
    const response = await fetch(`${served.base}/api/v1/runs/${id}`);
    const api = ((await response.json()) as { parameters: unknown }).parameters;
    const { rows } = await pool.query<{ p: string }>(
      "SELECT parameters::text AS p FROM runs WHERE id = $1",
      [id],
    );
    return { api, db: JSON.parse(rows[0]!.p) };
  }

  it("hostile documents: accepted ⇒ stored and answered exactly; refused ⇒ 400 naming a field, nothing written", async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(hostileParameters, async (parameters) => {
        const { status, body, written } = await send(parameters);
        if (status === 201) {
          accepted++;
          expect(written).to.equal(1);
          expect(means(parameters, body.parameters), "the 201 answer").to.equal(true);
          const { api, db } = await readBack(body.id as string);
          expect(means(parameters, api), "GET /api/v1/runs/{id}").to.equal(true);
          expect(means(parameters, db), "the stored jsonb").to.equal(true);
        } else {
          refused++;
          expect(status, JSON.stringify(body)).to.equal(400);
          expect(body.error).to.equal("invalid_request");
          expect([...paths(parameters)]).to.include(body.field);
          expect(written).to.equal(0);
        }
      }),
      { numRuns: 120 },
    );
    // Both outcomes must actually have been exercised.
    expect(accepted, "accepted").to.be.greaterThan(10);
    expect(refused, "refused").to.be.greaterThan(10);
  });

  it("documents without a hazard are all accepted and come back exactly", async () => {
    await fc.assert(
      fc.asyncProperty(safeObject(safe), async (parameters) => {
        const { status, body, written } = await send(parameters);
        expect(status, JSON.stringify(body)).to.equal(201);
        expect(written).to.equal(1);
        const { api, db } = await readBack(body.id as string);
        expect(means(parameters, api)).to.equal(true);
        expect(means(parameters, db)).to.equal(true);
      }),
      { numRuns: 60 },
    );
  });

  // The hazards one by one, each with the field the 400 must name.
  const refusals: [string, string, string][] = [
    ['{"a":1,"a":2}', "parameters.a", "duplicate key"],
    ['{"x":{"k":[{"a":1,"b":2,"a":3}]}}', "parameters.x.k.0.a", "duplicate key"],
    ['{"a\\u0062":1,"ab":2}', "parameters.ab", "duplicate key"],
    ['{"__proto__":1,"__proto__":2}', "parameters.__proto__", "duplicate key"],
    ['{"n":9007199254740993}', "parameters.n", "9007199254740992"],
    ['{"n":[1,12345678901234567890]}', "parameters.n.1", "no exact 64-bit float"],
    ['{"n":1e400}', "parameters.n", "beyond the range"],
    ['{"n":-1e400}', "parameters.n", "beyond the range"],
    ['{"n":1e-400}', "parameters.n", "no exact 64-bit float"],
    ['{"n":0.1000000000000000055511151231257827}', "parameters.n", "no exact 64-bit float"],
    ['{"n":-0}', "parameters.n", "negative zero"],
    ['{"n":-0.0e7}', "parameters.n", "negative zero"],
    ['{"s":"a\\u0000b"}', "parameters.s", "NUL"],
    ['{"s":"\\ud800"}', "parameters.s", "unpaired surrogates"],
    ['{"\\udc00":1}', "parameters.\udc00", "unpaired surrogates"],
  ];
  for (const [text, field, reason] of refusals) {
    it(`refuses ${text}: 400 naming ${field}, nothing written`, async () => {
      const before = await runCount();
      const response = await fetch(`${served.base}/api/v1/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"jobId":"${jobId}","parameters":${text}}`,
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect(body.field).to.equal(field);
      expect(body.message).to.include(reason);
      expect(await runCount()).to.equal(before);
    });
  }

  it("refuses a repeated top-level field rather than keeping the last", async () => {
    const response = await fetch(`${served.base}/api/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"name":"first","name":"second"}',
    });
    expect(response.status).to.equal(400);
    expect(await response.json()).to.include({ error: "invalid_request", field: "name" });
  });

  const kept: [string, unknown][] = [
    ['{"__proto__":{"admin":true}}', JSON.parse('{"__proto__":{"admin":true}}')],
    ['{"constructor":{"prototype":1}}', { constructor: { prototype: 1 } }],
    ['{"n":1E+2,"m":1.50,"big":1e21,"tiny":5e-324,"max":1.7976931348623157e308}', null],
    ['{"n":9007199254740992,"z":0,"zz":0.0}', null],
  ];
  for (const [text, literal] of kept) {
    it(`keeps ${text}`, async () => {
      const response = await fetch(`${served.base}/api/v1/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `{"jobId":"${jobId}","parameters":${text}}`,
      });
      expect(response.status).to.equal(201);
      const { id } = (await response.json()) as { id: string };
      const { api, db } = await readBack(id);
      const want: unknown = literal ?? JSON.parse(text);
      for (const got of [api, db]) {
        expect(got).to.deep.equal(want);
        expect(Object.keys(got as object)).to.have.members(Object.keys(want as object));
      }
    });
  }
});
