/**
 * An in-memory DynamoDB table for the commands and expression forms the functions use (GetItem,
 * UpdateItem, Query, TransactWriteItems; conditions with AND/OR/parentheses, =, <>, <, <=, >, >=,
 * IN, attribute_exists, attribute_not_exists, begins_with; updates with SET, ADD, REMOVE). Wired
 * into aws-sdk-client-mock so handlers run against a store that really enforces their conditions.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type CancellationReason,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";

type Item = Record<string, AttributeValue>;
type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

const scalar = (value: AttributeValue | undefined): string | number | undefined =>
  value?.S ?? (value?.N === undefined ? undefined : Number(value.N));

class Parser {
  private tokens: string[];
  private at = 0;

  constructor(
    text: string,
    private readonly item: Item,
    private readonly names: Names,
    private readonly values: Values,
  ) {
    this.tokens = text.match(/<>|<=|>=|[(),=<>]|[^\s(),=<>]+/g) ?? [];
  }

  evaluate(): boolean {
    const result = this.or();
    if (this.at !== this.tokens.length)
      throw new Error(`unparsed: ${this.tokens.slice(this.at).join(" ")}`);
    return result;
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private next(): string {
    const token = this.tokens[this.at++];
    if (token === undefined) throw new Error("unexpected end of expression");
    return token;
  }

  private expect(token: string): void {
    const got = this.next();
    if (got !== token) throw new Error(`expected ${token}, got ${got}`);
  }

  private or(): boolean {
    let result = this.and();
    while (this.peek()?.toUpperCase() === "OR") {
      this.next();
      const right = this.and();
      result = result || right;
    }
    return result;
  }

  private and(): boolean {
    let result = this.primary();
    while (this.peek()?.toUpperCase() === "AND") {
      this.next();
      const right = this.primary();
      result = result && right;
    }
    return result;
  }

  private primary(): boolean {
    const token = this.next();
    if (token === "(") {
      const result = this.or();
      this.expect(")");
      return result;
    }
    const fn = token.toLowerCase();
    if (fn === "attribute_exists" || fn === "attribute_not_exists" || fn === "begins_with") {
      this.expect("(");
      const path = this.operand(this.next());
      if (fn === "begins_with") {
        this.expect(",");
        const prefix = this.operand(this.next());
        this.expect(")");
        return typeof path === "string" && typeof prefix === "string" && path.startsWith(prefix);
      }
      this.expect(")");
      return fn === "attribute_exists" ? path !== undefined : path === undefined;
    }
    const left = this.operand(token);
    const op = this.next();
    if (op.toUpperCase() === "IN") {
      this.expect("(");
      const options = [this.operand(this.next())];
      while (this.peek() === ",") {
        this.next();
        options.push(this.operand(this.next()));
      }
      this.expect(")");
      return left !== undefined && options.includes(left);
    }
    const right = this.operand(this.next());
    if (left === undefined || right === undefined) return op === "<>" && left !== right;
    switch (op) {
      case "=":
        return left === right;
      case "<>":
        return left !== right;
      case "<":
        return left < right;
      case "<=":
        return left <= right;
      case ">":
        return left > right;
      case ">=":
        return left >= right;
      default:
        throw new Error(`unknown operator ${op}`);
    }
  }

  private operand(token: string): string | number | undefined {
    if (token.startsWith(":")) {
      const value = this.values?.[token];
      if (!value) throw new Error(`missing value ${token}`);
      return scalar(value);
    }
    return scalar(this.item[resolveName(token, this.names)]);
  }
}

function resolveName(token: string, names: Names): string {
  if (!token.startsWith("#")) return token;
  const name = names?.[token];
  if (!name) throw new Error(`missing name ${token}`);
  return name;
}

export function evaluateCondition(
  expression: string | undefined,
  item: Item | undefined,
  names: Names,
  values: Values,
): boolean {
  if (!expression) return true;
  return new Parser(expression, item ?? {}, names, values).evaluate();
}

export function applyUpdate(item: Item, expression: string, names: Names, values: Values): Item {
  const next: Item = { ...item };
  const clauses = expression.split(/\b(SET|ADD|REMOVE)\b/i).map((part) => part.trim());
  for (let i = 1; i < clauses.length; i += 2) {
    const action = clauses[i]!.toUpperCase();
    for (const part of clauses[i + 1]!.split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (action === "SET") {
        const [name, value] = part.split("=").map((p) => p.trim());
        const v = values?.[value!];
        if (!v) throw new Error(`missing value ${value}`);
        next[resolveName(name!, names)] = v;
      } else if (action === "ADD") {
        const [name, value] = part.split(/\s+/);
        const key = resolveName(name!, names);
        const delta = Number(values?.[value!]?.N);
        next[key] = { N: String(Number(next[key]?.N ?? 0) + delta) };
      } else {
        delete next[resolveName(part, names)];
      }
    }
  }
  return next;
}

const keyOf = (key: Item): string => `${key.pk?.S}\u0000${key.sk?.S}`;

export class FakeTable {
  readonly items = new Map<string, Item>();
  /** Every write applied, in order (for "wrote nothing" assertions). */
  writes = 0;
  /** Thrown by the next UpdateItem instead of applying it (to script a crash). */
  failNextUpdate?: Error;

  get(pk: string, sk: string): Item | undefined {
    return this.items.get(keyOf({ pk: { S: pk }, sk: { S: sk } }));
  }

  put(item: Item): void {
    this.items.set(keyOf(item), item);
  }

  /** Items as plain objects, sorted by key, for whole-table assertions. */
  dump(): Record<string, string | number>[] {
    return [...this.items.values()]
      .map((item) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, scalar(v)!])))
      .sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
  }

  counter(pk: string): number {
    return Number(this.get(pk, "COUNTER")?.active?.N ?? 0);
  }

  getItem(input: { Key: Item }): { Item?: Item } {
    const item = this.items.get(keyOf(input.Key));
    return item ? { Item: item } : {};
  }

  updateItem(input: {
    Key: Item;
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
    ReturnValues?: string;
    ReturnValuesOnConditionCheckFailure?: string;
  }): { Attributes?: Item } {
    const failure = this.failNextUpdate;
    if (failure) {
      this.failNextUpdate = undefined;
      throw failure;
    }
    const old = this.items.get(keyOf(input.Key));
    const ok = evaluateCondition(
      input.ConditionExpression,
      old,
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    if (!ok) {
      throw new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: {},
        ...(input.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && old ? { Item: old } : {}),
      });
    }
    const updated = applyUpdate(
      { ...(old ?? {}), ...input.Key },
      input.UpdateExpression,
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    this.put(updated);
    this.writes++;
    return input.ReturnValues === "ALL_NEW" ? { Attributes: updated } : {};
  }

  query(input: {
    KeyConditionExpression: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
    ScanIndexForward?: boolean;
    Limit?: number;
    ExclusiveStartKey?: Item;
  }): { Items: Item[]; LastEvaluatedKey?: Item } {
    let matches = [...this.items.values()]
      .filter((item) =>
        evaluateCondition(
          input.KeyConditionExpression,
          item,
          input.ExpressionAttributeNames,
          input.ExpressionAttributeValues,
        ),
      )
      .sort((a, b) => (a.sk!.S! < b.sk!.S! ? -1 : a.sk!.S! > b.sk!.S! ? 1 : 0));
    if (input.ScanIndexForward === false) matches.reverse();
    if (input.ExclusiveStartKey) {
      const start = keyOf(input.ExclusiveStartKey);
      const index = matches.findIndex((item) => keyOf(item) === start);
      matches = index === -1 ? [] : matches.slice(index + 1);
    }
    const limit = input.Limit ?? matches.length;
    const page = matches.slice(0, limit);
    const last = page[page.length - 1];
    // Like DynamoDB: a page cut by Limit carries LastEvaluatedKey even when nothing follows.
    return {
      Items: page,
      ...(page.length === limit && last
        ? { LastEvaluatedKey: { pk: last.pk!, sk: last.sk! } }
        : {}),
    };
  }

  transactWrite(input: { TransactItems: TransactWriteItem[] }): object {
    const reasons: CancellationReason[] = input.TransactItems.map((entry) => {
      const op = entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck;
      if (!op) throw new Error("empty transact item");
      const key = entry.Put
        ? { pk: entry.Put.Item!.pk!, sk: entry.Put.Item!.sk! }
        : (op as { Key: Item }).Key;
      const old = this.items.get(keyOf(key));
      const ok = evaluateCondition(
        op.ConditionExpression,
        old,
        op.ExpressionAttributeNames,
        op.ExpressionAttributeValues,
      );
      if (ok) return { Code: "None" };
      return {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        ...(op.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && old ? { Item: old } : {}),
      };
    });
    if (reasons.some((reason) => reason.Code !== "None")) {
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
        $metadata: {},
        CancellationReasons: reasons,
      });
    }
    for (const entry of input.TransactItems) {
      if (entry.Put) this.put(entry.Put.Item!);
      else if (entry.Delete) this.items.delete(keyOf(entry.Delete.Key!));
      else if (entry.Update) {
        const old = this.items.get(keyOf(entry.Update.Key!));
        this.put(
          applyUpdate(
            { ...(old ?? {}), ...entry.Update.Key! },
            entry.Update.UpdateExpression!,
            entry.Update.ExpressionAttributeNames,
            entry.Update.ExpressionAttributeValues,
          ),
        );
      }
      this.writes++;
    }
    return {};
  }
}

/** Mocks every DynamoDBClient to act on `table`; returns the mock for call assertions. */
export function mockDynamo(table: FakeTable): AwsClientStub<DynamoDBClient> {
  const mock = mockClient(DynamoDBClient);
  mock.on(GetItemCommand).callsFake((input) => table.getItem(input));
  mock.on(UpdateItemCommand).callsFake((input) => table.updateItem(input));
  mock.on(QueryCommand).callsFake((input) => table.query(input));
  mock.on(TransactWriteItemsCommand).callsFake((input) => table.transactWrite(input));
  return mock;
}
