import { expect } from "chai";
import { applyUpdate, evaluateCondition } from "./helpers/fake-dynamodb";

// The fake table decides what the handler tests prove, so its expression evaluator is tested too.
describe("fake DynamoDB expressions", () => {
  const item = { status: { S: "RUNNING" }, active: { N: "2" }, sk: { S: "SESSION#abc" } };
  const values = {
    ":r": { S: "RUNNING" },
    ":e": { S: "ENDED" },
    ":two": { N: "2" },
    ":ten": { N: "10" },
    ":p": { S: "SESSION#" },
  };
  const names = { "#s": "status" };
  const cases: [string, boolean][] = [
    ["attribute_exists(status)", true],
    ["attribute_not_exists(ruleArn)", true],
    ["attribute_not_exists(active) OR active < :two", false],
    ["attribute_not_exists(active) OR active < :ten", true],
    ["#s = :r AND active >= :two", true],
    ["#s <> :e AND (attribute_not_exists(ruleArn) OR ruleArn = :r)", true],
    ["#s IN (:e, :r)", true],
    ["#s IN (:e)", false],
    ["begins_with(sk, :p)", true],
    ["ruleArn = :r", false],
    ["ruleArn <> :r", true],
  ];
  for (const [expression, expected] of cases) {
    it(`${expression} → ${expected}`, () =>
      expect(evaluateCondition(expression, item, names, values)).to.equal(expected));
  }

  it("conditions on a missing item see no attributes", () => {
    expect(evaluateCondition("attribute_not_exists(pk)", undefined, undefined, undefined)).to.equal(
      true,
    );
  });

  it("applies SET, ADD (from nothing) and REMOVE", () => {
    const updated = applyUpdate(
      { status: { S: "PENDING" }, gone: { S: "x" } },
      "SET #s = :r, updatedAt = :e ADD active :two REMOVE gone",
      names,
      values,
    );
    expect(updated).to.deep.equal({
      status: { S: "RUNNING" },
      updatedAt: { S: "ENDED" },
      active: { N: "2" },
    });
  });
});
