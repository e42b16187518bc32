import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { MARKER, upsertComment } from "../../tools/pr-comment";

interface Call {
  method: string;
  url: string;
  auth: string | undefined;
  body?: { body: string };
}

/** GitHub's issue comments API, in memory: what a pull request's comments are. */
async function fakeGitHub(comments: { id: number; body: string }[]) {
  const calls: Call[] = [];
  let nextId = 1000;
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const call: Call = { method: req.method!, url: req.url!, auth: req.headers.authorization };
      if (raw) call.body = JSON.parse(raw) as { body: string };
      calls.push(call);
      res.setHeader("Content-Type", "application/json");
      const list = /^\/repos\/acme\/platform\/issues\/7\/comments\?per_page=100&page=(\d+)$/.exec(
        req.url!,
      );
      const one = /^\/repos\/acme\/platform\/issues\/comments\/(\d+)$/.exec(req.url!);
      if (req.method === "GET" && list) {
        const page = Number(list[1]);
        res.end(JSON.stringify(comments.slice((page - 1) * 100, page * 100)));
      } else if (req.method === "POST" && req.url === "/repos/acme/platform/issues/7/comments") {
        const created = { id: nextId++, body: call.body!.body };
        comments.push(created);
        res.writeHead(201).end(JSON.stringify(created));
      } else if (req.method === "PATCH" && one) {
        const comment = comments.find((c) => c.id === Number(one[1]));
        if (!comment) return void res.writeHead(404).end("{}");
        comment.body = call.body!.body;
        res.end(JSON.stringify(comment));
      } else {
        res.writeHead(403).end(JSON.stringify({ message: "forbidden" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, comments, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("pr-comment", () => {
  const options = (apiUrl: string, body: string) => ({
    apiUrl,
    repository: "acme/platform",
    token: "test-token",
    pr: 7,
    body,
  });

  it("creates the report comment once, then updates it on the next push", async () => {
    const gh = await fakeGitHub([
      { id: 1, body: "a reviewer's comment" },
      { id: 2, body: "<!-- pulumi -->preview" },
    ]);
    try {
      const first = await upsertComment(options(gh.url, "cost $292"));
      expect(first.action).to.equal("created");
      const second = await upsertComment(options(gh.url, "cost $300"));
      expect(second).to.deep.equal({ action: "updated", id: first.id });
      expect(gh.comments.map((c) => c.body)).to.deep.equal([
        "a reviewer's comment",
        "<!-- pulumi -->preview",
        `${MARKER}\ncost $300`,
      ]);
      expect(gh.calls.every((c) => c.auth === "Bearer test-token")).to.be.true;
    } finally {
      await gh.close();
    }
  });

  it("finds its comment beyond the first page", async () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `comment ${i}` }));
    many[120] = { id: 121, body: `${MARKER}\nold` };
    const gh = await fakeGitHub(many);
    try {
      expect(await upsertComment(options(gh.url, "new"))).to.deep.equal({
        action: "updated",
        id: 121,
      });
    } finally {
      await gh.close();
    }
  });

  it("names GitHub's answer when it refuses", async () => {
    const gh = await fakeGitHub([]);
    try {
      const failure = await upsertComment({
        ...options(gh.url, "x"),
        repository: "other/repo",
      }).catch((e: Error) => e);
      expect((failure as Error).message).to.match(
        /GitHub answered 403 to GET \/repos\/other\/repo\/issues\/7\/comments/,
      );
    } finally {
      await gh.close();
    }
  });
});
