import { expect } from "chai";
import {
  BundledFunction,
  baseStatements,
  bundledFunctionProblems,
  type BundledFunctionArgs,
} from "../../components/bundled-function";
import { finder, runWithMocks, statementsOf } from "../helpers/mock-runtime";

const HELLO = "test/fixtures/handlers/hello.ts";

describe("BundledFunction", () => {
  describe("bundledFunctionProblems", () => {
    const cases: [string, BundledFunctionArgs, string[]][] = [
      ["an entry, defaults", { entry: HELLO }, []],
      ["an image", { imageUri: "repo@sha256:0" }, []],
      ["no code", {}, ["exactly one of entry, imageUri and archive"]],
      ["two kinds of code", { entry: HELLO, imageUri: "repo@sha256:0" }, ["exactly one"]],
      ["too little memory", { entry: HELLO, memorySize: 64 }, ["memorySize"]],
      ["a fractional timeout", { entry: HELLO, timeout: 1.5 }, ["timeout"]],
      ["past Lambda's 15 minutes", { entry: HELLO, timeout: 901 }, ["timeout"]],
    ];
    for (const [title, args, expected] of cases) {
      it(title, () => {
        const problems = bundledFunctionProblems(args);
        expect(problems).to.have.length(expected.length);
        expected.forEach((fragment, i) => expect(problems[i]).to.include(fragment));
      });
    }
  });

  describe("baseStatements", () => {
    const cases: [string, { tracing: boolean; vpc: boolean }, string[]][] = [
      ["logs only", { tracing: false, vpc: false }, ["OwnLogs"]],
      ["traced", { tracing: true, vpc: false }, ["OwnLogs", "Traces"]],
      ["in a VPC", { tracing: false, vpc: true }, ["OwnLogs", "VpcNetworkInterfaces"]],
    ];
    for (const [title, options, sids] of cases) {
      it(title, () => {
        expect(baseStatements("arn:log", options).map((s) => s.Sid)).to.deep.equal(sids);
      });
    }
  });

  it("takes its tunables and runs each hook over its children's args", async () => {
    const find = finder(
      await runWithMocks(
        () =>
          new BundledFunction("fn", {
            entry: HELLO,
            memorySize: 512,
            timeout: 20,
            architecture: "x86_64",
            logRetentionInDays: 30,
            transform: {
              function: { ephemeralStorage: { size: 1024 } },
              role: { permissionsBoundary: "arn:aws:iam::123456789012:policy/boundary" },
              policy: (a) => ({ ...a, name: "inline" }),
              logGroup: { logGroupClass: "INFREQUENT_ACCESS" },
            },
          }),
      ),
    );
    const fn = find.named("fn-fn");
    expect(fn.inputs).to.include({ memorySize: 512, timeout: 20 });
    expect(fn.inputs.architectures).to.deep.equal(["x86_64"]);
    expect(fn.inputs.ephemeralStorage).to.deep.equal({ size: 1024 });
    expect(find.named("fn-role").inputs.permissionsBoundary).to.include(":policy/boundary");
    expect(find.named("fn-policy").inputs.name).to.equal("inline");
    expect(statementsOf(find.named("fn-policy")).map((s) => s.Sid)).to.include("OwnLogs");
    expect(find.named("fn-logs").inputs).to.include({
      retentionInDays: 30,
      logGroupClass: "INFREQUENT_ACCESS",
    });
  });
});
