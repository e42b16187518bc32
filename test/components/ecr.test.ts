import { expect } from "chai";
import type * as pulumi from "@pulumi/pulumi";
import {
  imageRepository,
  imageTagPushed,
  isRepositoryName,
  lifecycleRules,
} from "../../components/ecr";
import { FRESH_ACCOUNT } from "../../engine/fake-cloud";
import { failureOf, finder, runWithMocks } from "../helpers/mock-runtime";

describe("ecr: imageRepository", () => {
  it("expires untagged images after a week and keeps 30 by default", () => {
    const [untagged, kept] = lifecycleRules(30, 7).rules as Record<string, any>[];
    expect(untagged!.description).to.equal("Drop untagged layers after a week");
    expect(untagged!.selection.countNumber).to.equal(7);
    expect(kept!.selection.countNumber).to.equal(30);
  });

  it("says other windows in days", () => {
    const [untagged] = lifecycleRules(10, 3).rules as Record<string, any>[];
    expect(untagged!.description).to.equal("Drop untagged layers after 3 days");
  });

  it("takes untaggedDays, keep and transform hooks for the repository and its policy", async () => {
    const find = finder(
      await runWithMocks(() => {
        imageRepository(
          "app",
          {
            keep: 5,
            untaggedDays: 2,
            transform: {
              repository: { imageTagMutability: "IMMUTABLE" },
              lifecyclePolicy: (args) => {
                args.repository = "shared";
              },
            },
          },
          {},
        );
      }),
    );
    expect(find.named("app").inputs.imageTagMutability).to.equal("IMMUTABLE");
    expect(find.named("app-lifecycle").inputs.repository).to.equal("shared");
    const policy = JSON.parse(find.named("app-lifecycle").inputs.policy as string);
    expect(policy.rules.map((r: any) => r.selection.countNumber)).to.deep.equal([2, 5]);
  });

  it("scans on push, encrypts, keeps tags mutable and the images on destroy by default", async () => {
    const find = finder(await runWithMocks(() => void imageRepository("app", {}, {})));
    expect(find.named("app").inputs).to.deep.equal({
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: "MUTABLE",
      encryptionConfigurations: [{ encryptionType: "AES256" }],
      forceDelete: false,
    });
    expect(JSON.parse(find.named("app-lifecycle").inputs.policy as string)).to.deep.equal(
      lifecycleRules(30, 7),
    );
    expect(find.named("app-lifecycle").inputs.repository).to.equal(find.named("app").state.name);
  });

  it("takes a fixed name, immutable tags and force delete", async () => {
    const find = finder(
      await runWithMocks(
        () =>
          void imageRepository(
            "app",
            { repositoryName: "platform-dev/app", immutableTags: true, forceDelete: true },
            {},
          ),
      ),
    );
    expect(find.named("app").inputs).to.deep.include({
      name: "platform-dev/app",
      imageTagMutability: "IMMUTABLE",
      forceDelete: true,
    });
  });

  it("refuses a repository name ECR would refuse", async () => {
    const failure = await failureOf(
      () => void imageRepository("app", { repositoryName: "Platform/App" }, {}),
    );
    expect(failure?.message).to.equal(
      "app: repositoryName Platform/App is not an ECR repository name (2-256 lowercase characters, segments of a-z0-9 joined by . _ - /)",
    );
  });

  it("the lifecycle rules in full: untagged first, then all but the newest", () => {
    expect(lifecycleRules(5, 2)).to.deep.equal({
      rules: [
        {
          rulePriority: 1,
          description: "Drop untagged layers after 2 days",
          selection: {
            tagStatus: "untagged",
            countType: "sinceImagePushed",
            countUnit: "days",
            countNumber: 2,
          },
          action: { type: "expire" },
        },
        {
          rulePriority: 2,
          description: "Keep the 5 newest images",
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 5 },
          action: { type: "expire" },
        },
      ],
    });
  });

  describe("isRepositoryName", () => {
    const cases: [string, boolean][] = [
      ["ab", true],
      ["a", false],
      ["a".repeat(256), true],
      ["a".repeat(257), false],
      ["platform-dev/arbees/api", true],
      ["a.b_c-d/e", true],
      // Separators in the last segment, each followed by one character or more.
      ["ab.cd", true],
      ["platform/app.web-v2", true],
      ["ab-c_d", true],
      ["ab.", false],
      ["ab/cd.", false],
      ["App", false],
      ["a//b", false],
      ["a/", false],
      ["/a", false],
      ["a--b", false],
      ["-ab", false],
      ["ab-", false],
      ["a b", false],
    ];
    for (const [name, ok] of cases) {
      it(`${JSON.stringify(name.length > 20 ? `${name.length} characters` : name)}: ${ok}`, () =>
        expect(isRepositoryName(name)).to.equal(ok));
    }
  });

  describe("imageTagPushed", () => {
    async function pushed(repositories: string[], tags: string[], tag: string) {
      let out: pulumi.Output<boolean> | undefined;
      await runWithMocks(
        () => {
          out = imageTagPushed("team/app", tag, {});
        },
        {},
        { ...FRESH_ACCOUNT, repositories: { "us-east-1": repositories }, pushedTags: tags },
      );
      return (out as unknown as { promise(): Promise<boolean> }).promise();
    }
    it("true when the repository holds the tag", async () =>
      expect(await pushed(["team/app"], ["v1", "v2"], "v2")).to.equal(true));
    it("false when it holds other tags only", async () =>
      expect(await pushed(["team/app"], ["v1"], "v2")).to.equal(false));
    it("false when the repository does not exist yet", async () =>
      expect(await pushed(["team/other"], ["v2"], "v2")).to.equal(false));
  });
});
