import { expect } from "chai";
import { imageRepository, lifecycleRules } from "../../components/ecr";
import { finder, runWithMocks } from "../helpers/mock-runtime";

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
});
