import { expect } from "chai";
import {
  CLASS_MEMORY_GIB,
  databaseConcurrency,
  maxConnections,
  RESERVED_CONNECTIONS,
} from "../../components/db-connections";

describe("db-connections", () => {
  describe("maxConnections: RDS's LEAST(DBInstanceClassMemory/9531392, 5000), memory taken at 0.8", () => {
    const table: [string, number][] = [
      ["db.t4g.micro", 90],
      ["db.t3.micro", 90],
      ["db.t4g.small", 180],
      ["db.t3.small", 180],
      ["db.t4g.medium", 360],
      ["db.t3.medium", 360],
      ["db.t4g.large", 720],
      ["db.t3.large", 720],
      ["db.m7g.large", 720],
      ["db.m6g.large", 720],
      ["db.t4g.xlarge", 1441],
      ["db.m7g.xlarge", 1441],
      ["db.m6g.xlarge", 1441],
      ["db.r7g.large", 1441],
      ["db.r6g.large", 1441],
    ];
    for (const [instanceClass, want] of table) {
      it(`${instanceClass}: ${want}`, () => expect(maxConnections(instanceClass)).to.equal(want));
    }
    it("knows exactly the classes the program offers", () => {
      expect(Object.keys(CLASS_MEMORY_GIB).sort()).to.deep.equal(table.map(([c]) => c).sort());
    });
    it("refuses a class it has no memory figure for, naming where to add it", () => {
      expect(() => maxConnections("db.x9.huge")).to.throw(
        "no memory figure for db.x9.huge; add it to CLASS_MEMORY_GIB (components/db-connections.ts)",
      );
    });
  });

  describe("databaseConcurrency", () => {
    it("keeps 10 connections back", () => expect(RESERVED_CONNECTIONS).to.equal(10));
    const cases: [string, string, number, number, number][] = [
      ["bounded by the class", "db.t4g.micro", 4, 1000, 20],
      ["bounded by the budget", "db.t4g.medium", 4, 30, 30],
      ["the budget equal to what the class allows", "db.t4g.micro", 4, 20, 20],
      ["rounded down", "db.t4g.micro", 3, 1000, 26],
      ["exactly one instance fits", "db.t4g.micro", 80, 5, 1],
    ];
    for (const [title, instanceClass, poolMax, budget, concurrency] of cases) {
      it(`${title}: ${instanceClass}, ${poolMax} a pool, budget ${budget} → ${concurrency}`, () =>
        expect(databaseConcurrency(instanceClass, poolMax, budget)).to.deep.equal({
          maxConnections: maxConnections(instanceClass),
          concurrency,
        }));
    }
    it("refuses a class too small for one instance's pool", () => {
      expect(() => databaseConcurrency("db.t4g.micro", 81, 5)).to.throw(
        "db.t4g.micro takes 90 connections: not enough for one instance holding 81",
      );
    });
    it("refuses a budget of none", () => {
      expect(() => databaseConcurrency("db.t4g.large", 4, 0)).to.throw(
        "db.t4g.large takes 720 connections: not enough for one instance holding 4",
      );
    });
  });
});
