import { expect } from "chai";
import {
  allowedMethods,
  corsPreflightTemplate,
  deploymentFingerprint,
  gatewayResponses,
  invokeSourcePath,
  originProblems,
  pathSlug,
  resourceTree,
  routeProblems,
  stableJson,
} from "../../components/rest-routes";

describe("rest-routes", () => {
  describe("routeProblems", () => {
    const cases: [string, Record<string, { method: string; path: string }>, string[]][] = [
      [
        "valid routes",
        {
          events: { method: "GET", path: "/events" },
          one: { method: "GET", path: "/sessions/{id}" },
        },
        [],
      ],
      ["greedy last segment", { proxy: { method: "GET", path: "/files/{proxy+}" } }, []],
      ["no routes", {}, ["routes: at least one route is required"]],
      ["OPTIONS is the API's own", { o: { method: "OPTIONS", path: "/x" } }, ["routes.o.method"]],
      ["lower-case method", { g: { method: "get", path: "/x" } }, ["routes.g.method"]],
      ["relative path", { g: { method: "GET", path: "events" } }, ["routes.g.path"]],
      ["trailing slash", { g: { method: "GET", path: "/events/" } }, ["routes.g.path"]],
      ["root path", { g: { method: "GET", path: "/" } }, ["routes.g.path"]],
      ["bad segment", { g: { method: "GET", path: "/a b" } }, ['routes.g.path: segment "a b"']],
      ["greedy not last", { g: { method: "GET", path: "/{p+}/x" } }, ["must be the last one"]],
      [
        "bad route name",
        { Sign_Up: { method: "POST", path: "/x" } },
        ["routes.Sign_Up: route names"],
      ],
      [
        "duplicate method and path",
        { a: { method: "POST", path: "/sign" }, b: { method: "POST", path: "/sign" } },
        ["routes.b: POST /sign is also routes.a"],
      ],
    ];
    for (const [title, routes, expected] of cases) {
      it(title, () => {
        const problems = routeProblems(routes);
        expect(problems).to.have.length(expected.length);
        expected.forEach((fragment, i) => expect(problems[i]).to.include(fragment));
      });
    }
  });

  const allowed: [string[], string][] = [
    [["POST"], "POST,OPTIONS"],
    [["DELETE", "GET"], "GET,DELETE,OPTIONS"],
    [["ANY"], "GET,POST,PUT,PATCH,DELETE,OPTIONS"],
  ];
  for (const [methods, expected] of allowed) {
    it(`allowedMethods(${methods.join(",")}) is ${expected}`, () =>
      expect(allowedMethods(methods)).to.equal(expected));
  }

  it("resourceTree lists every prefix once, parents first", () => {
    expect(resourceTree(["/sessions/{id}/ws", "/events", "/sessions"])).to.deep.equal([
      { path: "/events", parent: undefined, pathPart: "events" },
      { path: "/sessions", parent: undefined, pathPart: "sessions" },
      { path: "/sessions/{id}", parent: "/sessions", pathPart: "{id}" },
      { path: "/sessions/{id}/ws", parent: "/sessions/{id}", pathPart: "ws" },
    ]);
  });

  const slugs: [string, string][] = [
    ["/events", "events"],
    ["/sessions/{id}", "sessions-id"],
    ["/{proxy+}", "proxy"],
    ["/v1.2/Items", "v1-2-items"],
  ];
  for (const [path, slug] of slugs) {
    it(`pathSlug(${path}) is ${slug}`, () => expect(pathSlug(path)).to.equal(slug));
  }

  const sources: [string, string, string][] = [
    ["POST", "/sign", "/*/POST/sign"],
    ["GET", "/sessions/{id}", "/*/GET/sessions/*"],
    ["GET", "/files/{proxy+}", "/*/GET/files/*"],
    ["ANY", "/{proxy+}", "/*/*/*"],
  ];
  for (const [method, path, expected] of sources) {
    it(`invokeSourcePath(${method} ${path}) is ${expected}`, () =>
      expect(invokeSourcePath(method, path)).to.equal(expected));
  }

  describe("corsPreflightTemplate", () => {
    it("echoes only listed origins, through a response override", () => {
      const vtl = corsPreflightTemplate(["https://a.example.com", "http://localhost:5173"]);
      expect(vtl).to.include('#set($allowed = ["https://a.example.com","http://localhost:5173"])');
      expect(vtl).to.include("#if($allowed.contains($origin))");
      expect(vtl).to.include("responseOverride.header.Access-Control-Allow-Origin = $origin");
    });
    it("allows no origin when none is configured", () => {
      expect(corsPreflightTemplate([])).to.include("#set($allowed = [])");
    });
    it("cannot be broken out of by a quote or a VTL directive in an origin", () => {
      expect(corsPreflightTemplate(['https://x"#set($a=1)'])).to.include('"https://xset(a=1)"');
    });
  });

  it("originProblems accepts exact origins and names each bad one", () => {
    expect(originProblems(["https://app.example.com", "http://localhost:5173"])).to.deep.equal([]);
    const problems = originProblems([
      "https://app.example.com/",
      "*",
      "ftp://x.example.com",
      "https://*.example.com",
    ]);
    expect(problems.map((p) => p.split(":")[0])).to.deep.equal([
      "corsOrigins[0]",
      "corsOrigins[1]",
      "corsOrigins[2]",
      "corsOrigins[3]",
    ]);
  });

  it("deploymentFingerprint ignores key order and changes with any value", () => {
    const a = deploymentFingerprint({ routes: [["sign", "POST", "/sign"]], cors: ["x"] });
    expect(deploymentFingerprint({ cors: ["x"], routes: [["sign", "POST", "/sign"]] })).to.equal(a);
    expect(deploymentFingerprint({ routes: [["sign", "PUT", "/sign"]], cors: ["x"] })).not.to.equal(
      a,
    );
    expect(deploymentFingerprint({ routes: [["sign", "POST", "/sign"]], cors: [] })).not.to.equal(
      a,
    );
    expect(stableJson({ b: 1, a: [true, null], c: undefined })).to.equal('{"a":[true,null],"b":1}');
  });

  describe("gatewayResponses", () => {
    const cases: [string, string[], string[], Record<string, string>][] = [
      ["no origin", [], ["integration-failure"], { "gatewayresponse.header.Retry-After": "'1'" }],
      [
        "one origin: errors carry it",
        ["https://app.example.com"],
        ["default-4xx", "default-5xx", "integration-failure"],
        {
          "gatewayresponse.header.Retry-After": "'1'",
          "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'",
          "gatewayresponse.header.Vary": "'Origin'",
        },
      ],
      [
        "two origins: a static header cannot hold them",
        ["https://a.example.com", "https://b.example.com"],
        ["integration-failure"],
        { "gatewayresponse.header.Retry-After": "'1'" },
      ],
    ];
    for (const [title, origins, suffixes, failureHeaders] of cases) {
      it(title, () => {
        const responses = gatewayResponses(origins);
        expect(responses.map((r) => r.suffix)).to.deep.equal(suffixes);
        const failure = responses.find((r) => r.responseType === "INTEGRATION_FAILURE")!;
        expect(failure.statusCode).to.equal("503");
        expect(failure.responseParameters).to.deep.equal(failureHeaders);
      });
    }
  });
});
