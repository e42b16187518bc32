import { expect } from "chai";
import { RestApi, resolveRestApiArgs, type RestApiArgs } from "../../components/rest-api";
import { finder, runWithMocks } from "../helpers/mock-runtime";

const target = {
  functionName: "fn",
  invokeArn: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn/invocations",
};

function args(overrides: Partial<RestApiArgs> = {}): RestApiArgs {
  return {
    description: "test",
    routes: {
      list: { method: "GET", path: "/items", target, authorization: "iam" },
      one: { method: "GET", path: "/items/{id}", target, authorization: "cognito" },
    },
    cognitoUserPoolArn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc",
    ...overrides,
  };
}

const plan = async (a: RestApiArgs) => finder(await runWithMocks(() => new RestApi("api", a)));

describe("RestApi", () => {
  describe("resolveRestApiArgs", () => {
    const cases: [string, Partial<RestApiArgs>, string[]][] = [
      ["defaults", {}, []],
      ["cognito routes without a pool", { cognitoUserPoolArn: undefined }, ["cognitoUserPoolArn"]],
      ["zero throttle", { throttle: { rateLimit: 0, burstLimit: 1 } }, ["throttle"]],
      ["bad stage name", { stageName: "v 1" }, ["stageName"]],
      ["preflight cache too long", { corsMaxAgeSeconds: 7201 }, ["corsMaxAgeSeconds"]],
      ["wildcard origin", { corsOrigins: ["https://*.example.com"] }, ["corsOrigins[0]"]],
    ];
    for (const [title, overrides, expected] of cases) {
      it(title, () => {
        const { problems } = resolveRestApiArgs(args(overrides));
        expect(problems).to.have.length(expected.length);
        expected.forEach((fragment, i) => expect(problems[i]).to.include(fragment));
      });
    }

    it("applies today's defaults", () => {
      expect(resolveRestApiArgs(args()).resolved).to.include({
        stageName: "v1",
        corsMaxAgeSeconds: 600,
        usesCognito: true,
      });
      expect(resolveRestApiArgs(args()).resolved.throttle).to.deep.equal({
        rateLimit: 50,
        burstLimit: 100,
      });
    });
  });

  it("takes its tunables: preflight cache and per-method metrics", async () => {
    const find = await plan(args({ corsMaxAgeSeconds: 60, detailedMetrics: false }));
    expect(
      find.named("api-items-options-integration-response").inputs.responseParameters,
    ).to.include({ "method.response.header.Access-Control-Max-Age": "'60'" });
    expect(find.named("api-throttling").inputs.settings.metricsEnabled).to.equal(false);
  });

  it("runs each hook over its children's args", async () => {
    const find = await plan(
      args({
        transform: {
          api: { description: "changed" },
          authorizer: { identitySource: "method.request.header.X-Token" },
          method: (a, _opts, name) => {
            if (name === "api-list-method") a.apiKeyRequired = true;
          },
          integration: { timeoutMilliseconds: 5000 },
          permission: { statementIdPrefix: "gw-" },
          deployment: { description: "mine" },
          accessLogGroup: { retentionInDays: 90 },
          stage: { cacheClusterEnabled: true },
          methodSettings: (a) => ({ ...a, methodPath: "items/GET" }),
        },
      }),
    );
    expect(find.named("api-api").inputs.description).to.equal("changed");
    expect(find.named("api-authorizer").inputs.identitySource).to.equal(
      "method.request.header.X-Token",
    );
    expect(find.named("api-list-method").inputs.apiKeyRequired).to.equal(true);
    expect(find.named("api-one-method").inputs.apiKeyRequired).to.equal(undefined);
    expect(find.named("api-one-integration").inputs.timeoutMilliseconds).to.equal(5000);
    expect(find.named("api-list-invoke").inputs.statementIdPrefix).to.equal("gw-");
    expect(find.named("api-deployment").inputs.description).to.equal("mine");
    expect(find.named("api-access-logs").inputs.retentionInDays).to.equal(90);
    expect(find.named("api-stage").inputs.cacheClusterEnabled).to.equal(true);
    expect(find.named("api-throttling").inputs.methodPath).to.equal("items/GET");
    // What the hooks leave alone stays the component's.
    expect(find.named("api-stage").inputs.xrayTracingEnabled).to.equal(true);
    expect(find.named("api-throttling").inputs.settings.throttlingRateLimit).to.equal(50);
  });
});
