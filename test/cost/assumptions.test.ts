/** The usage assumptions: their documented defaults, their validation, the stack-file key. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { stackCostAssumptions } from "../../engine/cost";
import { resolveAssumptions, usageAssumptionsSchema } from "../../engine/cost/assumptions";
import { thrown } from "../helpers/errors";

interface JsonSchema {
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
}

const jsonSchema = z.toJSONSchema(usageAssumptionsSchema, { io: "input" }) as JsonSchema;
const at = (dotted: string): JsonSchema =>
  dotted.split(".").reduce<JsonSchema>((node, key) => node.properties?.[key] ?? {}, jsonSchema);

/** Dotted paths of every per-resource assumption (an object of exactly `default` and `byName`). */
function perResourcePaths(node: JsonSchema, prefix: string[] = []): string[] {
  const keys = Object.keys(node.properties ?? {});
  if (keys.join() === "default,byName") return [prefix.join(".")];
  return keys.flatMap((k) => perResourcePaths(node.properties![k]!, [...prefix, k]));
}

describe("cost: usage assumptions", () => {
  const perResource: [string, number, string][] = [
    // dotted path, default, what it counts (as its description says)
    ["apiRequestsPerMonth", 100_000, "Requests a month"],
    ["lambda.averageDurationMs", 1000, "Average billed duration, ms"],
    ["lambda.invocationsPerMonth", 1000, "Invocations a month"],
    ["customMetricsPerFunction", 5, "Custom metrics"],
    ["secretApiCallsPerMonth", 100, "API calls a month"],
    ["natGbPerMonth", 10, "GB processed a month"],
    ["albLcu", 0.5, "Average LCUs"],
    ["interfaceEndpointGbPerMonth", 1, "GB a month"],
    ["peeringGbPerMonthEachWay", 100, "GB a month each way"],
    ["dynamodb.readsPerMonth", 1_000_000, "Read request units a month"],
    ["dynamodb.writesPerMonth", 200_000, "Write request units a month"],
    ["dynamodb.storageGb", 1, "GB stored"],
    ["cognitoMau", 100, "Monthly active users"],
    ["ecrGb", 1, "GB stored"],
    ["s3.storageGb", 5, "GB stored"],
    ["s3.putsPerMonth", 10_000, "PUT/LIST requests a month"],
    ["s3.getsPerMonth", 100_000, "GET requests a month"],
    ["kmsRequestsPerMonth", 10_000, "Requests a month"],
    ["runTaskHoursPerMonth", 100, "Task-hours a month"],
  ];

  it("lists every per-resource assumption of the schema below", () => {
    expect(perResourcePaths(jsonSchema).sort()).to.deep.equal(perResource.map(([p]) => p).sort());
  });

  for (const [dotted, fallback, what] of perResource) {
    it(`documents ${dotted}: ${what}, ${fallback} by default`, () => {
      const node = at(dotted);
      expect(node.properties?.default).to.include({
        default: fallback,
        description: `${what} of a resource the map does not name`,
      });
      expect(node.properties?.byName).to.deep.include({
        default: {},
        description: `${what}, by the resource's logical name`,
      });
      const resolved = dotted
        .split(".")
        .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], resolveAssumptions());
      expect(resolved).to.deep.equal({ default: fallback, byName: {} });
    });
  }

  const fractions: [number, boolean][] = [
    [0, true],
    [0.25, true],
    [1, true],
    [-0.1, false],
    [1.5, false],
  ];
  for (const [fraction, valid] of fractions) {
    it(`${valid ? "takes" : "refuses"} an X-Ray sampled fraction of ${fraction}`, () => {
      if (valid) {
        expect(resolveAssumptions({ xraySampledFraction: fraction }).xraySampledFraction).to.equal(
          fraction,
        );
      } else {
        expect(() => resolveAssumptions({ xraySampledFraction: fraction })).to.throw(
          /^Invalid cost assumptions:\n {2}- xraySampledFraction: \S/,
        );
      }
    });
  }

  it("samples every traced request unless told otherwise", () => {
    expect(resolveAssumptions().xraySampledFraction).to.equal(1);
  });

  it("lists every invalid key, one a line, in the schema's order", () => {
    const error = thrown(() =>
      resolveAssumptions({ albLcu: { default: -1 }, natGbPerMonth: { byName: { nat: -2 } } }),
    );
    const lines = error.message.split("\n");
    expect(lines[0]).to.equal("Invalid cost assumptions:");
    expect(lines).to.have.length(3);
    expect(lines[1]).to.match(/^ {2}- natGbPerMonth\.byName\.nat: \S/);
    expect(lines[2]).to.match(/^ {2}- albLcu\.default: \S/);
  });

  describe("in a stack file, under cost:assumptions", () => {
    let root: string;
    before(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "cost-assumptions-"));
      fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: demo\nruntime: nodejs\n");
      fs.writeFileSync(
        path.join(root, "Pulumi.busy.yaml"),
        "config:\n  cost:assumptions:\n    natGbPerMonth:\n      default: 3\n",
      );
      fs.writeFileSync(
        path.join(root, "Pulumi.other.yaml"),
        "config:\n  demo:assumptions:\n    natGbPerMonth:\n      default: 3\n",
      );
    });
    after(() => fs.rmSync(root, { recursive: true }));

    it("reads them, filling in the defaults", () => {
      const assumptions = stackCostAssumptions(root, "busy");
      expect(assumptions?.natGbPerMonth).to.deep.equal({ default: 3, byName: {} });
      expect(assumptions?.albLcu).to.deep.equal({ default: 0.5, byName: {} });
    });

    it("reads nothing from any other key", () => {
      expect(stackCostAssumptions(root, "other")).to.equal(undefined);
    });
  });
});
