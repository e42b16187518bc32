import { expect } from "chai";
import { SMA, VWAP } from "technicalindicators";
import { withIndicators, type Candle } from "../../../functions/alpha-kite/lib/indicators";

const MINUTE = 60_000;
const T0 = Date.parse("2026-11-24T14:30:00Z");

/** Candles from [high, low, close, volume] rows, one a minute (open = close; unused). */
function bars(rows: readonly [number, number, number, number][], times?: number[]): Candle[] {
  return rows.map(([high, low, close, volume], i) => ({
    datetime: times?.[i] ?? T0 + i * MINUTE,
    open: close,
    high,
    low,
    close,
    volume,
  }));
}

/** mulberry32: a small seeded PRNG, so the long series is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const relClose = (actual: number | null, want: number, tolerance = 1e-9) => {
  expect(actual).to.be.a("number");
  expect(Math.abs((actual as number) - want) / Math.max(Math.abs(want), 1e-12)).to.be.at.most(
    tolerance,
  );
};

describe("Alpha-Kite indicators", () => {
  it("matches a hand-computed fixture (SMA9 from the 9th bar, cumulative VWAP)", () => {
    // typical = (h+l+c)/3 = 10, 11, …, 19 with volume 100 each except bar 2 (300).
    const rows: [number, number, number, number][] = Array.from({ length: 10 }, (_, i) => [
      11 + i,
      9 + i,
      10 + i,
      i === 2 ? 300 : 100,
    ]);
    const out = withIndicators(bars(rows));
    expect(out.slice(0, 8).map((b) => b.sma9)).to.deep.equal(Array(8).fill(null));
    expect(out[8]!.sma9).to.equal(14); // mean of 10..18
    expect(out[9]!.sma9).to.equal(15); // mean of 11..19
    expect(out[0]!.vwap).to.equal(10);
    expect(out[1]!.vwap).to.equal(10.5); // (1000 + 1100) / 200
    expect(out[2]!.vwap).to.equal(11.4); // (2100 + 3600) / 500
    // (5700 + 100·(13+…+19)) / 1200 = 16900 / 1200
    expect(out[9]!.vwap).to.be.closeTo(16900 / 1200, 1e-12);
    expect(out[4]).to.deep.include({ ...bars(rows)[4], sma9: null });
  });

  it("gives null SMA9 for fewer than 9 bars, and nothing for none", () => {
    expect(withIndicators([])).to.deep.equal([]);
    const out = withIndicators(bars(Array(8).fill([2, 1, 1.5, 10])));
    expect(out.every((b) => b.sma9 === null)).to.equal(true);
    expect(out.every((b) => b.vwap === 1.5)).to.equal(true);
  });

  it("gives null VWAP while no volume has traded, then the volume-weighted typical price", () => {
    const out = withIndicators(
      bars([
        [10, 8, 9, 0],
        [12, 9, 12, 0],
        [13, 10, 13, 50],
        [16, 13, 16, 0],
      ]),
    );
    expect(out.map((b) => b.vwap)).to.deep.equal([null, null, 12, 12]);
  });

  it("does not reset at a gap: SMA9 spans the last 9 bars present", () => {
    const times = Array.from({ length: 10 }, (_, i) => T0 + (i < 5 ? i : i + 3) * MINUTE);
    const rows = Array.from({ length: 10 }, (_, i): [number, number, number, number] => [
      i + 1,
      i + 1,
      i + 1,
      1,
    ]);
    const out = withIndicators(bars(rows, times));
    expect(out[8]!.sma9).to.equal(5); // 1..9
    expect(out[9]!.sma9).to.equal(6); // 2..10
    expect(out[9]!.vwap).to.equal(5.5);
  });

  it("agrees with technicalindicators (SMA 9, VWAP) over a 390-bar session within 1e-9", () => {
    const random = prng(20261124);
    let price = 500;
    const candles: Candle[] = Array.from({ length: 390 }, (_, i) => {
      const open = price;
      price = Math.max(1, price * (1 + (random() - 0.5) * 0.004));
      const close = price;
      const high = Math.max(open, close) * (1 + random() * 0.001);
      const low = Math.min(open, close) * (1 - random() * 0.001);
      const volume = Math.floor(random() * 200_000) + (i % 50 === 0 ? 0 : 1);
      return { datetime: T0 + i * MINUTE, open, high, low, close, volume };
    });
    const out = withIndicators(candles);
    const sma = SMA.calculate({ period: 9, values: candles.map((c) => c.close) });
    const vwap = VWAP.calculate({
      high: candles.map((c) => c.high),
      low: candles.map((c) => c.low),
      close: candles.map((c) => c.close),
      volume: candles.map((c) => c.volume),
    });
    expect(sma).to.have.length(390 - 8);
    expect(vwap).to.have.length(390);
    out.forEach((bar, i) => {
      if (i < 8) expect(bar.sma9).to.equal(null);
      else relClose(bar.sma9, sma[i - 8]!);
      relClose(bar.vwap, vwap[i]!);
    });
  });
});
