/**
 * The price table (`engine/prices.json`): list prices per item and region, with the date they
 * were gathered and a "not confirmed" mark on figures without a source. `parsePrices` validates a
 * table and lists every problem at once, so an edit that breaks it names the row.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

export const PRICES_FILE = path.join(__dirname, "..", "prices.json");

const itemSchema = z.strictObject({
  /** What one unit is: `gateway-hour`, `GB-month`, `million requests`. */
  unit: z.string().min(1),
  description: z.string().min(1),
});

const rowSchema = z.strictObject({
  item: z.string().min(1),
  region: z.string().min(1),
  price: z.number().finite().nonnegative(),
  confidence: z.enum(["high", "medium", "low"]),
  /** A best-known figure without a source: shown as such wherever it is used. */
  notConfirmed: z.boolean().optional(),
  note: z.string().optional(),
});

const tableSchema = z.strictObject({
  $comment: z.string().optional(),
  asOf: z.iso.date(),
  currency: z.literal("USD"),
  /** Hours billed a month for hourly items: 730, the convention of AWS and open cost tools. */
  hoursPerMonth: z.number().positive(),
  regions: z.array(z.string().min(1)).min(1),
  sources: z.array(z.string().min(1)).min(1),
  items: z.record(z.string(), itemSchema),
  prices: z.array(rowSchema),
});

export type PriceItem = z.infer<typeof itemSchema>;
export type PriceRow = z.infer<typeof rowSchema>;

/** One price of one item in one region, with what the table says about it. */
export interface Price extends PriceItem {
  readonly item: string;
  readonly region: string;
  readonly price: number;
  readonly notConfirmed: boolean;
}

export class PriceTableError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid price table (${problems.length} problem(s)):\n  - ${problems.join("\n  - ")}`);
    this.name = "PriceTableError";
  }
}

export class PriceTable {
  readonly asOf: string;
  readonly currency = "USD" as const;
  readonly hoursPerMonth: number;
  readonly regions: readonly string[];
  readonly sources: readonly string[];
  private readonly items: Record<string, PriceItem>;
  private readonly rows = new Map<string, PriceRow>();

  constructor(table: z.infer<typeof tableSchema>) {
    this.asOf = table.asOf;
    this.hoursPerMonth = table.hoursPerMonth;
    this.regions = table.regions;
    this.sources = table.sources;
    this.items = table.items;
    for (const row of table.prices) this.rows.set(`${row.item}@${row.region}`, row);
  }

  /** The price of `item` in `region`, or undefined when the table has none. */
  get(item: string, region: string): Price | undefined {
    const row = this.rows.get(`${item}@${region}`);
    const meta = this.items[item];
    if (!row || !meta) return undefined;
    return { ...meta, item, region, price: row.price, notConfirmed: row.notConfirmed === true };
  }

  /** Every item id, for listing and tests. */
  itemIds(): string[] {
    return Object.keys(this.items);
  }
}

/** Validates a parsed price table: the schema, then that every item is priced once in every region. */
export function parsePrices(json: unknown): PriceTable {
  const parsed = tableSchema.safeParse(json);
  if (!parsed.success) {
    throw new PriceTableError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    );
  }
  const table = parsed.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  table.prices.forEach((row, index) => {
    const where = `prices[${index}] (${row.item} in ${row.region})`;
    if (!(row.item in table.items)) problems.push(`${where}: unknown item; declare it under items`);
    if (!table.regions.includes(row.region)) problems.push(`${where}: region not in regions`);
    const key = `${row.item}@${row.region}`;
    if (seen.has(key)) problems.push(`${where}: priced twice`);
    seen.add(key);
    if (row.confidence === "low" && row.notConfirmed !== true && row.note === undefined) {
      problems.push(`${where}: a low-confidence price needs notConfirmed or a note saying why`);
    }
  });
  for (const item of Object.keys(table.items)) {
    for (const region of table.regions) {
      if (!seen.has(`${item}@${region}`)) problems.push(`items.${item}: no price in ${region}`);
    }
  }
  if (problems.length > 0) throw new PriceTableError(problems);
  return new PriceTable(table);
}

let cached: PriceTable | undefined;

/** The project's price table, read and validated once. */
export function loadPrices(file = PRICES_FILE): PriceTable {
  if (file !== PRICES_FILE) return parsePrices(JSON.parse(fs.readFileSync(file, "utf8")));
  cached ??= parsePrices(JSON.parse(fs.readFileSync(file, "utf8")));
  return cached;
}
