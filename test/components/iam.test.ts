import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { policyDocument, serviceTrustPolicy } from "../../components/iam";

/** The document as IAM receives it, every input resolved. */
function parsed(document: object): Promise<unknown> {
  return new Promise((resolve) =>
    pulumi.jsonStringify(document).apply((json) => resolve(JSON.parse(json))),
  );
}

describe("iam", () => {
  it("policyDocument: the 2012-10-17 version and the statements in order", () => {
    const a = { Effect: "Allow" as const, Action: "s3:GetObject", Resource: "*" };
    const b = { Effect: "Deny" as const, NotAction: "s3:*", Resource: "*" };
    expect(policyDocument(a, b)).to.deep.equal({ Version: "2012-10-17", Statement: [a, b] });
    expect(policyDocument()).to.deep.equal({ Version: "2012-10-17", Statement: [] });
  });

  describe("serviceTrustPolicy", () => {
    const cases: [string, Parameters<typeof serviceTrustPolicy>[1], object | undefined][] = [
      ["no condition when none is given", undefined, undefined],
      ["no condition for empty values", { sourceAccount: "", sourceArn: "" }, undefined],
      [
        "the calling account",
        { sourceAccount: "123456789012" },
        { StringEquals: { "aws:SourceAccount": "123456789012" } },
      ],
      [
        "source ARNs",
        { sourceArn: "arn:aws:scheduler:*:123456789012:schedule/*" },
        { ArnLike: { "aws:SourceArn": "arn:aws:scheduler:*:123456789012:schedule/*" } },
      ],
      [
        "both",
        { sourceAccount: pulumi.output("123456789012"), sourceArn: "arn:aws:events:*" },
        {
          StringEquals: { "aws:SourceAccount": "123456789012" },
          ArnLike: { "aws:SourceArn": "arn:aws:events:*" },
        },
      ],
    ];
    for (const [title, conditions, condition] of cases) {
      it(`lets the service assume the role: ${title}`, async () => {
        expect(await parsed(serviceTrustPolicy("lambda.amazonaws.com", conditions))).to.deep.equal({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
              ...(condition ? { Condition: condition } : {}),
            },
          ],
        });
      });
    }
  });
});
