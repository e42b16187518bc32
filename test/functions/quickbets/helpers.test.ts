import { expect } from "chai";
import type { Rule } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { EnvContract } from "../../../functions/shared/env";
import { SIGNED_API_ENV } from "../../../functions/shared/hosts";
import {
  EVENTS_ENV,
  LAUNCH_ENV,
  LIFECYCLE_ENV,
  SESSIONS_ENV,
  SIGN_ENV,
} from "../../../functions/quickbets/env";
import {
  parseEventsConfig,
  parseLaunchConfig,
  parseLifecycleConfig,
  parseSessionsConfig,
  parseSignConfig,
} from "../../../functions/quickbets/lib/config";
import {
  newSessionId,
  SESSION_ID,
  SESSION_ID_LENGTH,
  TICKER,
} from "../../../functions/quickbets/lib/ids";
import {
  forwardsTo,
  MAX_PRIORITY,
  sessionPathPatterns,
  sessionConditions,
  smallestFreePriority,
  targetGroupName,
  usedPriorities,
} from "../../../functions/quickbets/lib/routing";
import {
  sessionFromItem,
  sessionToItem,
  type Session,
} from "../../../functions/quickbets/lib/store";
import { sessionView } from "../../../functions/quickbets/lib/view";
import { EnvError } from "../../../functions/shared/env";
import { quickbetsEnv } from "../helpers/api";

describe("quickbets helpers", () => {
  describe("session ids", () => {
    it("are fixed-width lowercase base36 time plus hex, at most 24 characters", () => {
      const id = newSessionId(Date.UTC(2025, 10, 27), Buffer.from("a1b2c3d4e5f6", "hex"));
      expect(id).to.equal(`${Date.UTC(2025, 10, 27).toString(36).padStart(9, "0")}a1b2c3d4e5f6`);
      expect(id).to.have.length(SESSION_ID_LENGTH);
      expect(SESSION_ID_LENGTH).to.be.at.most(24);
      expect(id).to.match(SESSION_ID);
    });

    it("sort as strings in creation order, across base36 digit boundaries", () => {
      const times = [0, 35, 36, 1_000, 1_700_000_000_000, 1_764_000_000_000, 36 ** 8, 36 ** 9 - 1];
      const ids = times.map((t) => newSessionId(t));
      expect([...ids].sort()).to.deep.equal(ids);
    });

    it("refuses a time that does not fit", () => {
      expect(() => newSessionId(36 ** 9)).to.throw(RangeError);
    });

    it("differ within one millisecond", () => {
      const ids = new Set(Array.from({ length: 200 }, () => newSessionId(1_764_000_000_000)));
      expect(ids.size).to.equal(200);
    });
  });

  describe("tickers", () => {
    const cases: [string, boolean][] = [
      ["KXNFLGAME-25NOV27KCDAL", true],
      ["KX.NBA_2025", true],
      ["K".repeat(64), true],
      ["K".repeat(65), false],
      ["", false],
      ["kxnfl", false],
      ["KX NFL", false],
      ["KX/NFL", false],
    ];
    for (const [ticker, ok] of cases) {
      it(`${JSON.stringify(ticker.length > 20 ? `${ticker.slice(0, 8)}…(${ticker.length})` : ticker)} ${ok ? "is" : "is not"} a ticker`, () =>
        expect(TICKER.test(ticker)).to.equal(ok));
    }
  });

  describe("smallestFreePriority", () => {
    const cases: [number[], number | undefined][] = [
      [[], 1],
      [[1, 2, 3], 4],
      [[2, 3], 1],
      [[1, 2, 4, 5], 3],
      [[5, 1, 1, 2], 3],
      [Array.from({ length: MAX_PRIORITY }, (_, i) => i + 1), undefined],
    ];
    for (const [used, expected] of cases) {
      it(`${used.length > 10 ? `all ${used.length} taken` : `[${used.join(",")}]`} → ${String(expected)}`, () =>
        expect(smallestFreePriority(used)).to.equal(expected));
    }
  });

  describe("smallestFreePriority within a shared listener's block", () => {
    const block = { first: 1001, last: 1998 };
    const cases: [number[], number | undefined][] = [
      // Other workloads' rules below and above the block do not count.
      [[1, 2, 2010, 2999], 1001],
      [[1001, 1002], 1003],
      [[1000, 1001, 1999], 1002],
      [Array.from({ length: 998 }, (_, i) => 1001 + i), undefined],
    ];
    for (const [used, expected] of cases) {
      it(`${used.length > 10 ? `all ${used.length} taken` : `[${used.join(",")}]`} → ${String(expected)}`, () =>
        expect(smallestFreePriority(used, block)).to.equal(expected));
    }
  });

  describe("sessionConditions", () => {
    it("matches the session's paths, and the fleet's host on a shared listener", () => {
      const paths = {
        Field: "path-pattern",
        PathPatternConfig: { Values: ["/sessions/abc", "/sessions/abc/*"] },
      };
      expect(sessionConditions("abc")).to.deep.equal([paths]);
      expect(sessionConditions("abc", "sessions.example.com")).to.deep.equal([
        paths,
        { Field: "host-header", HostHeaderConfig: { Values: ["sessions.example.com"] } },
      ]);
    });
  });

  describe("listener rules", () => {
    const tg = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/qb-x/1";
    const rules: Rule[] = [
      { Priority: "default", IsDefault: true, Actions: [{ Type: "fixed-response" }] },
      { Priority: "7", Actions: [{ Type: "forward", TargetGroupArn: tg }] },
      {
        Priority: "3",
        Actions: [
          { Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg, Weight: 1 }] } },
        ],
      },
      { Priority: "9", Actions: [{ Type: "forward", TargetGroupArn: `${tg}0` }] },
    ];
    it("usedPriorities skips the default rule", () =>
      expect(usedPriorities(rules)).to.deep.equal([7, 3, 9]));
    it("forwardsTo sees plain and weighted forwards only to that group", () =>
      expect(rules.map((r) => forwardsTo(r, tg))).to.deep.equal([false, true, true, false]));
    it("names and paths", () => {
      expect(targetGroupName("qbdev-", "abc")).to.equal("qbdev-abc");
      expect(sessionPathPatterns("abc")).to.deep.equal(["/sessions/abc", "/sessions/abc/*"]);
    });
  });

  describe("session items", () => {
    const session: Session = {
      sessionId: "00mi0abcd0123456789ab",
      userId: "user-a",
      eventTicker: "KXNFLGAME-A",
      status: "RUNNING",
      createdAt: "2025-11-27T18:00:00.000Z",
      updatedAt: "2025-11-27T18:00:05.000Z",
      expiresAt: 1764300000,
      taskArn: "arn:task",
      privateIp: "10.0.0.1",
    };
    it("round-trip through DynamoDB attribute values", () => {
      const item = sessionToItem(session);
      expect(item.pk).to.deep.equal({ S: "USER#user-a" });
      expect(item.sk).to.deep.equal({ S: "SESSION#00mi0abcd0123456789ab" });
      expect(item.expiresAt).to.deep.equal({ N: "1764300000" });
      expect(item).not.to.have.property("ruleArn");
      expect(sessionFromItem(item)).to.deep.equal(session);
    });
    it("refuse an unknown status", () => {
      expect(() => sessionFromItem({ ...sessionToItem(session), status: { S: "LOST" } })).to.throw(
        /unknown status LOST/,
      );
    });
    it("show a WebSocket URL only while not ended", () => {
      expect(sessionView(session, "wss://w").websocketUrl).to.equal(
        "wss://w/sessions/00mi0abcd0123456789ab",
      );
      const ended = sessionView(
        { ...session, status: "ENDED", endedAt: "2025-11-27T19:00:00.000Z" },
        "wss://w",
      );
      expect(ended).not.to.have.property("websocketUrl");
      expect(ended.endedAt).to.equal("2025-11-27T19:00:00.000Z");
    });
  });

  describe("configuration", () => {
    const env = quickbetsEnv("https://api.elections.kalshi.com");

    it("parses the environment the infrastructure sets", () => {
      expect(parseLaunchConfig(env)).to.deep.include({
        kalshiBaseUrl: "https://api.elections.kalshi.com",
        upstreamTimeoutMs: 2000,
        subnetIds: ["subnet-a", "subnet-b"],
        maxSessionsPerUser: 2,
        websocketBaseUrl: "wss://ws.example.com",
      });
      expect(parseEventsConfig(env).series).to.deep.equal(["KXNFLGAME", "KXNBAGAME"]);
      expect(parseLifecycleConfig(env)).to.deep.include({
        sessionPort: 8080,
        targetGroupPrefix: "qbtest-",
        rulePriorities: { first: 1, last: 50_000 },
      });
      expect(parseLifecycleConfig(env)).not.to.have.property("sessionHost");
      const shared = {
        ...env,
        RULE_PRIORITY_FIRST: "1001",
        RULE_PRIORITY_LAST: "1998",
        SESSION_HOST: "sessions.example.com",
      };
      expect(parseLifecycleConfig(shared)).to.deep.include({
        rulePriorities: { first: 1001, last: 1998 },
        sessionHost: "sessions.example.com",
      });
      expect(
        parseEventsConfig({ ...env, UPSTREAM_TIMEOUT_MS: undefined }).upstreamTimeoutMs,
      ).to.equal(5000);
    });

    it("each handler parses with only its contract's required variables", () => {
      const required = (contract: EnvContract) =>
        Object.fromEntries(
          Object.entries(contract.variables)
            .filter(([, presence]) => presence === "required")
            .map(([name]) => [name, env[name]]),
        );
      expect(() => parseEventsConfig(required(EVENTS_ENV))).not.to.throw();
      expect(() => parseSignConfig(required(SIGN_ENV))).not.to.throw();
      expect(() => parseSessionsConfig(required(SESSIONS_ENV))).not.to.throw();
      expect(() => parseLaunchConfig(required(LAUNCH_ENV))).not.to.throw();
      expect(() => parseLifecycleConfig(required(LIFECYCLE_ENV))).not.to.throw();
    });

    it("an API without browser origins (corsOrigins: []) still starts, granting no origin", () => {
      expect(parseSignConfig({ ...env, ALLOWED_ORIGINS: "" }).allowedOrigins).to.deep.equal([]);
      expect(() => parseSignConfig({ ...env, ALLOWED_ORIGINS: undefined })).to.throw(
        EnvError,
        "ALLOWED_ORIGINS",
      );
    });

    // What launch itself reads (Powertools reads the BundledFunction variables).
    const launchReads = Object.entries({ ...SIGNED_API_ENV.own, ...LAUNCH_ENV.own })
      .filter(([, presence]) => presence === "required")
      .map(([name]) => name);
    for (const name of launchReads) {
      it(`launch names a missing ${name}`, () => {
        expect(() => parseLaunchConfig({ ...env, [name]: undefined })).to.throw(EnvError, name);
      });
    }

    const invalid: [string, string, (e: typeof env) => unknown, RegExp][] = [
      [
        "UPSTREAM_BASE_URL",
        "kalshi.com",
        parseEventsConfig,
        /UPSTREAM_BASE_URL must be an absolute URL/,
      ],
      ["KALSHI_SERIES", "kxnfl", parseEventsConfig, /invalid series ticker "kxnfl"/],
      ["UPSTREAM_TIMEOUT_MS", "0", parseEventsConfig, /UPSTREAM_TIMEOUT_MS must be between/],
      [
        "WEBSOCKET_BASE_URL",
        "https://ws.example.com",
        parseSessionsConfig,
        /WEBSOCKET_BASE_URL must use wss: or ws:/,
      ],
      [
        "SUBNET_IDS",
        "subnet-a,sg-1",
        parseLaunchConfig,
        /SUBNET_IDS must list subnet-\* ids, got "sg-1"/,
      ],
      ["SECURITY_GROUP_IDS", "subnet-a", parseLaunchConfig, /SECURITY_GROUP_IDS must list sg-\*/],
      ["CLUSTER_ARN", "quickbets", parseLaunchConfig, /CLUSTER_ARN must be an ARN/],
      [
        "MAX_SESSIONS_PER_USER",
        "two",
        parseLaunchConfig,
        /MAX_SESSIONS_PER_USER must be an integer/,
      ],
      [
        "USER_KEY_SECRET_PREFIX",
        "users/ me",
        parseSignConfig,
        /USER_KEY_SECRET_PREFIX has characters/,
      ],
      [
        "TARGET_GROUP_PREFIX",
        "quickbets-dev-",
        parseLifecycleConfig,
        /TARGET_GROUP_PREFIX must be 1-11/,
      ],
      ["TARGET_GROUP_PREFIX", "-qb", parseLifecycleConfig, /TARGET_GROUP_PREFIX/],
      ["TARGET_GROUP_PREFIX", "qb_dev", parseLifecycleConfig, /TARGET_GROUP_PREFIX/],
      ["VPC_ID", "subnet-1", parseLifecycleConfig, /VPC_ID must be a vpc-\* id/],
      [
        "RULE_PRIORITY_FIRST",
        "0",
        parseLifecycleConfig,
        /RULE_PRIORITY_FIRST must be between 1 and 50000/,
      ],
      [
        "RULE_PRIORITY_LAST",
        "50001",
        parseLifecycleConfig,
        /RULE_PRIORITY_LAST must be between 1 and 50000/,
      ],
      ["RULE_PRIORITY_LAST", "0", parseLifecycleConfig, /RULE_PRIORITY_LAST must be between 1/],
      ["SESSION_PORT", "70000", parseLifecycleConfig, /SESSION_PORT must be between 1 and 65535/],
    ];
    for (const [name, value, parse, message] of invalid) {
      it(`${name}=${JSON.stringify(value)} is refused`, () => {
        expect(() => parse({ ...env, [name]: value })).to.throw(EnvError, message);
      });
    }
  });
});
