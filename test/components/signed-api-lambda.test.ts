import { expect } from "chai";
import {
  keyStatements,
  SignedApiLambda,
  signedApiProblems,
  userPoolTierOf,
  type KeyAccess,
  type SignedApiLambdaArgs,
  type UserPoolTier,
} from "../../components/signed-api-lambda";
import {
  failureOf,
  finder,
  inHomeRegion,
  runWithMocks,
  statementsOf,
  type Registered,
} from "../helpers/mock-runtime";

const HELLO = "test/fixtures/handlers/hello.ts";
const PREFIX = "quickbets/test/users/";

function args(overrides: Partial<SignedApiLambdaArgs> = {}): SignedApiLambdaArgs {
  return {
    routes: {
      events: { method: "GET", path: "/events", handler: HELLO, keyAccess: "none" },
      launch: { method: "POST", path: "/launch", handler: HELLO, keyAccess: "describe" },
      one: { method: "GET", path: "/sessions/{id}", handler: HELLO, keyAccess: "none" },
      sign: {
        method: "POST",
        path: "/sign",
        handler: HELLO,
        timeout: 5,
        memorySize: 512,
        statements: [
          {
            Effect: "Allow",
            Action: "dynamodb:Query",
            Resource: "arn:aws:dynamodb:us-east-1:1:table/t",
          },
        ],
      },
    },
    signing: { secretPrefix: PREFIX, upstreamUrl: "https://api.elections.kalshi.com" },
    corsOrigins: ["https://app.example.com"],
    throttle: { rateLimit: 10, burstLimit: 20 },
    logRetentionInDays: 30,
    ...overrides,
  };
}

const build = (a: SignedApiLambdaArgs = args()) =>
  inHomeRegion((provider) => new SignedApiLambda("qb", a, { provider }));

describe("SignedApiLambda", () => {
  let resources: Registered[];
  let find: ReturnType<typeof finder>;
  before(async () => {
    resources = await runWithMocks(build(), { home: "us-east-1" });
    find = finder(resources);
  });

  it("creates a regional REST API in the provider's region", () => {
    const api = find.named("qb-api");
    expect(api.inputs.endpointConfiguration).to.deep.equal({ types: "REGIONAL" });
    expect(resources.every((r) => r.region === "us-east-1")).to.be.true;
  });

  it("puts the Cognito authorizer on every non-OPTIONS method", () => {
    const authorizer = find.named("qb-authorizer");
    expect(authorizer.inputs).to.include({ type: "COGNITO_USER_POOLS" });
    expect(authorizer.inputs.providerArns).to.deep.equal([find.named("qb-users").state.arn]);
    const methods = find.ofType("aws:apigateway/method:Method");
    const guarded = methods.filter((m) => m.inputs.httpMethod !== "OPTIONS");
    expect(guarded.map((m) => m.inputs.httpMethod).sort()).to.deep.equal([
      "GET",
      "GET",
      "POST",
      "POST",
    ]);
    for (const m of guarded) {
      expect(m.inputs, m.name).to.include({
        authorization: "COGNITO_USER_POOLS",
        authorizerId: authorizer.id,
      });
    }
  });

  it("answers CORS preflight with an unauthenticated MOCK OPTIONS method per routed resource", () => {
    const options = find
      .ofType("aws:apigateway/method:Method")
      .filter((m) => m.inputs.httpMethod === "OPTIONS");
    // /events, /launch, /sessions/{id}, /sign: not /sessions, which has no method of its own.
    expect(options).to.have.length(4);
    for (const m of options) {
      expect(m.inputs.authorization).to.equal("NONE");
      expect(m.inputs.authorizerId).to.equal(undefined);
    }
    const response = find.named("qb-sign-options-integration-response");
    expect(response.inputs.responseParameters).to.deep.include({
      "method.response.header.Access-Control-Allow-Methods": "'POST,OPTIONS'",
    });
    expect(response.inputs.responseTemplates["application/json"]).to.include(
      '"https://app.example.com"',
    );
    const mock = find.named("qb-sign-options-integration");
    expect(mock.inputs.type).to.equal("MOCK");
  });

  it("builds the resource tree with parents, including path parameters", () => {
    const sessions = find.named("qb-sessions");
    const one = find.named("qb-sessions-id");
    expect(sessions.inputs.parentId).to.equal(find.named("qb-api").state.rootResourceId);
    expect(one.inputs).to.include({ parentId: sessions.id, pathPart: "{id}" });
  });

  it("bundles one function per route with its own log group, X-Ray and JSON logs", () => {
    const fns = find.ofType("aws:lambda/function:Function");
    expect(fns).to.have.length(4);
    for (const fn of fns) {
      expect(fn.inputs).to.include({ runtime: "nodejs24.x", handler: "index.handler" });
      expect(fn.inputs.architectures).to.deep.equal(["arm64"]);
      expect(fn.inputs.tracingConfig).to.deep.equal({ mode: "Active" });
      expect(fn.inputs.layers ?? []).to.deep.equal([]);
      const routeName = fn.name.replace(/^qb-/, "").replace(/-fn$/, "");
      const group = find.named(`qb-${routeName}-logs`);
      expect(fn.inputs.loggingConfig).to.deep.equal({
        logFormat: "JSON",
        logGroup: group.state.name,
      });
      expect(group.inputs.retentionInDays).to.equal(30);
    }
    const sign = find.named("qb-sign-fn");
    expect(sign.inputs).to.include({ timeout: 5, memorySize: 512 });
    expect(sign.inputs.environment.variables).to.include({
      USER_KEY_SECRET_PREFIX: PREFIX,
      UPSTREAM_BASE_URL: "https://api.elections.kalshi.com",
      ALLOWED_ORIGINS: "https://app.example.com",
      NODE_OPTIONS: "--enable-source-maps",
    });
  });

  it("scopes each role to its own log group and to exactly its key access on <prefix>*", () => {
    const keyArn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${PREFIX}*`;
    const secretStatements = (route: string) =>
      statementsOf(find.named(`qb-${route}-policy`)).filter((s) =>
        String(s.Action).startsWith("secretsmanager:"),
      );
    expect(secretStatements("sign")).to.deep.equal([
      {
        Sid: "CallerKeys",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: keyArn,
      },
    ]);
    expect(secretStatements("launch")).to.deep.equal([
      {
        Sid: "CallerKeys",
        Effect: "Allow",
        Action: "secretsmanager:DescribeSecret",
        Resource: keyArn,
      },
    ]);
    expect(secretStatements("events")).to.deep.equal([]);
    for (const route of ["events", "launch", "one", "sign"]) {
      const statements = statementsOf(find.named(`qb-${route}-policy`));
      const logs = statements.find((s) => s.Sid === "OwnLogs")!;
      expect(logs.Resource).to.equal(`${find.named(`qb-${route}-logs`).state.arn}:*`);
      for (const s of statements.filter((x) => x.Resource === "*")) {
        expect(s.Action, route).to.deep.equal([
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
        ]);
      }
    }
    expect(statementsOf(find.named("qb-sign-policy"))).to.deep.include({
      Effect: "Allow",
      Action: "dynamodb:Query",
      Resource: "arn:aws:dynamodb:us-east-1:1:table/t",
    });
    const trust = JSON.parse(find.named("qb-sign-role").inputs.assumeRolePolicy as string);
    expect(trust.Statement[0].Principal).to.deep.equal({ Service: "lambda.amazonaws.com" });
  });

  it("lets API Gateway invoke each function only from its own method and path", () => {
    const executionArn = find.named("qb-api").state.executionArn as string;
    const sources = Object.fromEntries(
      find.ofType("aws:lambda/permission:Permission").map((p) => [p.name, p.inputs.sourceArn]),
    );
    expect(sources).to.deep.equal({
      "qb-events-invoke": `${executionArn}/*/GET/events`,
      "qb-launch-invoke": `${executionArn}/*/POST/launch`,
      "qb-one-invoke": `${executionArn}/*/GET/sessions/*`,
      "qb-sign-invoke": `${executionArn}/*/POST/sign`,
    });
  });

  it("gives the stage JSON access logs, X-Ray and stage-wide throttling", () => {
    const stage = find.named("qb-stage");
    expect(stage.inputs.xrayTracingEnabled).to.be.true;
    expect(stage.inputs.accessLogSettings.destinationArn).to.equal(
      find.named("qb-access-logs").state.arn,
    );
    expect(JSON.parse(stage.inputs.accessLogSettings.format)).to.include({
      caller: "$context.authorizer.claims.sub",
      status: "$context.status",
    });
    expect(find.named("qb-access-logs").inputs.retentionInDays).to.equal(30);
    const settings = find.named("qb-throttling");
    expect(settings.inputs).to.include({ methodPath: "*/*", stageName: "v1" });
    expect(settings.inputs.settings).to.include({
      throttlingRateLimit: 10,
      throttlingBurstLimit: 20,
    });
  });

  it("creates a user pool with strong passwords and a public SRP client", () => {
    const pool = find.named("qb-users");
    expect(pool.inputs.passwordPolicy).to.include({ minimumLength: 12, requireSymbols: true });
    expect(pool.inputs.adminCreateUserConfig).to.deep.equal({ allowAdminCreateUserOnly: true });
    const client = find.named("qb-client");
    expect(client.inputs).to.include({ generateSecret: false, userPoolId: pool.id });
    expect(client.inputs.explicitAuthFlows).to.deep.equal([
      "ALLOW_USER_SRP_AUTH",
      "ALLOW_REFRESH_TOKEN_AUTH",
    ]);
  });

  it("sends CORS headers on API Gateway's own errors when there is one origin", () => {
    const unauthorized = find.named("qb-default-4xx");
    expect(unauthorized.inputs.responseParameters).to.deep.include({
      "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'",
    });
  });

  describe("deployment", () => {
    async function trigger(a: SignedApiLambdaArgs): Promise<string> {
      const all = await runWithMocks(build(a), { home: "us-east-1" });
      return finder(all).named("qb-deployment").inputs.triggers.redeployment as string;
    }

    it("is replaced when a route changes, and only then", async () => {
      const base = await trigger(args());
      expect(await trigger(args())).to.equal(base);
      const moved = args();
      moved.routes.sign!.path = "/signatures";
      expect(await trigger(moved)).not.to.equal(base);
      const added = args();
      added.routes.health = { method: "GET", path: "/health", handler: HELLO, keyAccess: "none" };
      expect(await trigger(added)).not.to.equal(base);
      expect(await trigger(args({ corsOrigins: [] }))).not.to.equal(base);
    });
  });

  describe("the user pool's feature plan", () => {
    const poolOf = async (auth: SignedApiLambdaArgs["auth"]) =>
      finder(await runWithMocks(build(args({ auth })), { home: "us-east-1" })).named("qb-users")
        .inputs;

    it("is AWS's default for new pools (Essentials) unless asked, and Plus with threat protection", async () => {
      expect((await poolOf({})).userPoolTier).to.equal("ESSENTIALS");
      const plus = await poolOf({ threatProtection: true });
      expect(plus.userPoolTier).to.equal("PLUS");
      expect(plus.userPoolAddOns).to.deep.equal({ advancedSecurityMode: "ENFORCED" });
    });

    it("is the one asked for, without threat protection's add-on", async () => {
      const lite = await poolOf({ userPoolTier: "LITE" });
      expect(lite.userPoolTier).to.equal("LITE");
      expect(lite.userPoolAddOns).to.equal(undefined);
    });

    const cases: [string, Parameters<typeof userPoolTierOf>[0], UserPoolTier | RegExp][] = [
      ["nothing asked: Essentials", {}, "ESSENTIALS"],
      ["Lite asked", { userPoolTier: "LITE" }, "LITE"],
      ["threat protection alone: Plus", { threatProtection: true }, "PLUS"],
      ["threat protection on Plus", { threatProtection: true, userPoolTier: "PLUS" }, "PLUS"],
      ["Plus without threat protection", { userPoolTier: "PLUS" }, "PLUS"],
      [
        "threat protection on Essentials",
        { threatProtection: true, userPoolTier: "ESSENTIALS" },
        /userPoolTier ESSENTIALS has no threat protection: set userPoolTier "PLUS"/,
      ],
      [
        "threat protection on Lite",
        { threatProtection: true, userPoolTier: "LITE" },
        /userPoolTier LITE has no threat protection/,
      ],
    ];
    for (const [title, auth, want] of cases) {
      it(title, () => {
        if (want instanceof RegExp) expect(() => userPoolTierOf(auth)).to.throw(want);
        else expect(userPoolTierOf(auth)).to.equal(want);
      });
    }
  });

  it("authorizes against an existing user pool without creating one", async () => {
    const arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123";
    const all = await runWithMocks(build(args({ auth: { userPoolArn: arn } })), {
      home: "us-east-1",
    });
    const f = finder(all);
    expect(f.ofType("aws:cognito/userPool:UserPool")).to.have.length(0);
    expect(f.ofType("aws:cognito/userPoolClient:UserPoolClient")).to.have.length(0);
    expect(f.named("qb-authorizer").inputs.providerArns).to.deep.equal([arn]);
  });

  describe("rejects bad args before creating anything, naming each", () => {
    const cases: [string, Partial<SignedApiLambdaArgs>, string][] = [
      [
        "an OPTIONS route",
        { routes: { o: { method: "OPTIONS" as "GET", path: "/o", handler: HELLO } } },
        "routes.o.method",
      ],
      ["a wildcard origin", { corsOrigins: ["*"] }, "corsOrigins[0]"],
      [
        "a prefix without a slash",
        { signing: { secretPrefix: "users", upstreamUrl: "https://x.example.com" } },
        "signing.secretPrefix",
      ],
      [
        "an upstream URL with a path",
        { signing: { secretPrefix: PREFIX, upstreamUrl: "https://x.example.com/v2" } },
        "signing.upstreamUrl",
      ],
      ["zero throttling", { throttle: { rateLimit: 0, burstLimit: 0 } }, "throttle"],
    ];
    for (const [title, overrides, fragment] of cases) {
      it(title, async () => {
        expect((await failureOf(build(args(overrides))))?.message).to.include(fragment);
      });
    }
  });

  describe("signedApiProblems", () => {
    const cases: [string, SignedApiLambdaArgs["signing"], string[]][] = [
      ["valid", { secretPrefix: PREFIX, upstreamUrl: "https://api.example.com" }, []],
      [
        "prefix without a slash",
        { secretPrefix: "keys", upstreamUrl: "https://a.b" },
        ["secretPrefix"],
      ],
      ["upstream with a path", { secretPrefix: PREFIX, upstreamUrl: "https://a.b/v1" }, ["Url"]],
    ];
    for (const [title, signing, expected] of cases) {
      it(title, () => {
        const problems = signedApiProblems(signing);
        expect(problems).to.have.length(expected.length);
        expected.forEach((fragment, i) => expect(problems[i]).to.include(fragment));
      });
    }
  });

  describe("keyStatements", () => {
    const cases: [KeyAccess, string[]][] = [
      ["sign", ["secretsmanager:GetSecretValue"]],
      ["describe", ["secretsmanager:DescribeSecret"]],
      ["none", []],
    ];
    for (const [access, actions] of cases) {
      it(`${access}: ${actions.join(", ") || "nothing"}`, () => {
        const statements = keyStatements(access, "arn:keys/*");
        expect(statements.map((s) => s.Action)).to.deep.equal(actions);
        expect(statements.every((s) => s.Resource === "arn:keys/*")).to.be.true;
      });
    }
  });

  it("takes its tunables and runs each hook over its children's args", async () => {
    const find = finder(
      await runWithMocks(
        build(
          args({
            auth: {
              passwordMinimumLength: 16,
              tokenValidity: { accessMinutes: 15, idMinutes: 15, refreshDays: 7 },
            },
            transform: {
              userPool: { mfaConfiguration: "ON" },
              userPoolClient: (a) => ({ ...a, authSessionValidity: 5 }),
              function: (a, _o, name) => (name === "qb-sign" ? { ...a, memorySize: 1024 } : a),
              api: (a) => ({ ...a, transform: { stage: { cacheClusterEnabled: true } } }),
            },
          }),
        ),
        { home: "us-east-1" },
      ),
    );
    expect(find.named("qb-users").inputs.passwordPolicy.minimumLength).to.equal(16);
    expect(find.named("qb-users").inputs.mfaConfiguration).to.equal("ON");
    expect(find.named("qb-client").inputs).to.include({
      accessTokenValidity: 15,
      idTokenValidity: 15,
      refreshTokenValidity: 7,
      authSessionValidity: 5,
    });
    expect(find.named("qb-sign-fn").inputs.memorySize).to.equal(1024);
    expect(find.named("qb-events-fn").inputs.memorySize).to.equal(256);
    expect(find.named("qb-stage").inputs.cacheClusterEnabled).to.equal(true);
  });
});
