/**
 * Pure helpers for API Gateway REST APIs: route validation, the resource tree, permission source
 * ARNs, CORS preflight templates and deployment fingerprints. No Pulumi here, so each is
 * table-tested on its own.
 */
import { createHash } from "node:crypto";

/** Methods a route may have; `ANY` matches them all (OPTIONS stays the API's own preflight). */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A path segment: a literal, a `{param}` or a greedy `{proxy+}` (last segment only). */
const SEGMENT = /^(?:[A-Za-z0-9._~-]+|\{[A-Za-z][A-Za-z0-9_]*\}|\{[A-Za-z][A-Za-z0-9_]*\+\})$/;

/** Route names become parts of logical and function names. */
const ROUTE_NAME = /^[a-z][a-z0-9-]{0,23}$/;

export interface RouteKey {
  readonly method: string;
  readonly path: string;
}

/**
 * Problems with a set of named routes, each prefixed with the arg it concerns
 * (`routes.sign.path: ...`); empty when valid.
 */
export function routeProblems(routes: Readonly<Record<string, RouteKey>>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const entries = Object.entries(routes);
  if (entries.length === 0) problems.push("routes: at least one route is required");
  for (const [name, route] of entries) {
    const at = `routes.${name}`;
    if (!ROUTE_NAME.test(name)) {
      problems.push(`${at}: route names are lowercase letters, digits and dashes, 1-24 long`);
    }
    if (!(HTTP_METHODS as readonly string[]).includes(route.method)) {
      problems.push(
        `${at}.method: must be one of ${HTTP_METHODS.join(", ")} (OPTIONS is answered for CORS), got ${route.method}`,
      );
    }
    const segments = route.path.split("/").slice(1);
    if (!route.path.startsWith("/") || route.path === "/" || segments.some((s) => s === "")) {
      problems.push(`${at}.path: must start with / and have no empty segment, got ${route.path}`);
    } else {
      segments.forEach((segment, i) => {
        if (!SEGMENT.test(segment)) {
          problems.push(`${at}.path: segment "${segment}" is not a literal, {param} or {proxy+}`);
        } else if (segment.endsWith("+}") && i !== segments.length - 1) {
          problems.push(`${at}.path: the greedy segment ${segment} must be the last one`);
        }
      });
    }
    const key = `${route.method} ${route.path}`;
    const other = seen.get(key);
    if (other) problems.push(`${at}: ${key} is also routes.${other}`);
    seen.set(key, name);
  }
  return problems;
}

export interface ApiResourceSpec {
  /** Full path, e.g. `/sessions/{id}`. */
  readonly path: string;
  /** The parent's path, or undefined for a child of the API's root. */
  readonly parent: string | undefined;
  /** The last segment. */
  readonly pathPart: string;
}

/** Every resource the paths need (prefixes included), each once, parents before children. */
export function resourceTree(paths: readonly string[]): ApiResourceSpec[] {
  const all = new Set<string>();
  for (const path of paths) {
    const segments = path.split("/").slice(1);
    segments.forEach((_, i) => all.add(`/${segments.slice(0, i + 1).join("/")}`));
  }
  return [...all]
    .sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b))
    .map((path) => {
      const cut = path.lastIndexOf("/");
      return {
        path,
        parent: cut === 0 ? undefined : path.slice(0, cut),
        pathPart: path.slice(cut + 1),
      };
    });
}

/** A logical-name fragment for a path: `/sessions/{id}` → `sessions-id`, `/{proxy+}` → `proxy`. */
export function pathSlug(path: string): string {
  return (
    path
      .replace(/[{}+]/g, "")
      .split("/")
      .filter(Boolean)
      .join("-")
      .replace(/[^A-Za-z0-9-]/g, "-")
      .toLowerCase() || "root"
  );
}

/**
 * The part of an `execute-api` ARN after the API id that lets every stage invoke one method and
 * path: `/*\/POST/sign`. Path parameters become `*`.
 */
export function invokeSourcePath(method: string, path: string): string {
  return `/*/${method === "ANY" ? "*" : method}${path.replace(/\{[^}]+\}/g, "*")}`;
}

/** The `Access-Control-Allow-Methods` of a resource with these route methods. */
export function allowedMethods(methods: readonly string[]): string {
  const concrete = methods.includes("ANY")
    ? HTTP_METHODS.filter((m) => m !== "ANY")
    : HTTP_METHODS.filter((m) => methods.includes(m));
  return [...concrete, "OPTIONS"].join(",");
}

/**
 * The integration response template of a MOCK `OPTIONS` method: echoes the request's Origin into
 * Access-Control-Allow-Origin only when it is one of `origins` (a static header holds one origin;
 * API Gateway has no list). With no origins, no browser origin is allowed.
 */
export function corsPreflightTemplate(origins: readonly string[]): string {
  const list = origins.map((o) => `"${o.replace(/["\\$#]/g, "")}"`).join(",");
  return [
    `#set($origin = $input.params().header.get("Origin"))`,
    `#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#end`,
    `#set($allowed = [${list}])`,
    `#if($allowed.contains($origin))`,
    `#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)`,
    `#set($context.responseOverride.header.Vary = "Origin")`,
    `#end`,
    "",
  ].join("\n");
}

/** Problems with CORS origins: each an exact `scheme://host[:port]`, no path, no wildcard. */
export function originProblems(origins: readonly string[]): string[] {
  return origins.flatMap((origin, i) => {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    const exact =
      url !== undefined &&
      ["http:", "https:"].includes(url.protocol) &&
      url.origin === origin &&
      !origin.includes("*");
    return exact
      ? []
      : [`corsOrigins[${i}]: ${origin} is not an origin like https://app.example.com`];
  });
}

/** A stable fingerprint of everything a deployment serves: it changes exactly when one must be made. */
export function deploymentFingerprint(spec: unknown): string {
  return createHash("sha256").update(stableJson(spec)).digest("hex").slice(0, 16);
}

/** JSON with object keys sorted, so equal specs fingerprint equally whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** One of API Gateway's own answers (`aws.apigateway.Response`), before it is created. */
export interface GatewayResponseSpec {
  /** Logical-name suffix. */
  readonly suffix: string;
  readonly responseType: string;
  readonly statusCode?: string;
  readonly responseParameters: Record<string, string>;
  readonly responseTemplates?: Record<string, string>;
}

/**
 * API Gateway's own answers a REST API overrides. With exactly one CORS origin, its 4XX and 5XX
 * (401 from the authorizer, throttling) carry that origin, so a browser can read them. A function
 * that cannot be invoked (throttled at its reserved concurrency, or failing to start) is a 500 by
 * default; it becomes "busy, retry" (503, `Retry-After`) as the apps themselves say.
 */
export function gatewayResponses(corsOrigins: readonly string[]): GatewayResponseSpec[] {
  const cors =
    corsOrigins.length === 1
      ? {
          "gatewayresponse.header.Access-Control-Allow-Origin": `'${corsOrigins[0]}'`,
          "gatewayresponse.header.Vary": "'Origin'",
        }
      : undefined;
  return [
    ...(cors
      ? ["DEFAULT_4XX", "DEFAULT_5XX"].map((responseType) => ({
          suffix: responseType.toLowerCase().replace("_", "-"),
          responseType,
          responseParameters: cors,
        }))
      : []),
    {
      suffix: "integration-failure",
      responseType: "INTEGRATION_FAILURE",
      statusCode: "503",
      responseParameters: { "gatewayresponse.header.Retry-After": "'1'", ...cors },
      responseTemplates: {
        "application/json":
          '{"error":"unavailable","message":"the service is at capacity or starting; retry shortly"}',
      },
    },
  ];
}
