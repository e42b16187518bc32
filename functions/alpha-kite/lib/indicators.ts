/**
 * SMA9 and session VWAP per minute bar. Pure and unrounded: rounding, if any, belongs to whoever
 * displays the numbers.
 */

export interface Candle {
  /** Bar start, epoch ms. */
  datetime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface Bar extends Candle {
  /** Mean close of the last 9 bars including this one; null until 9 bars exist. */
  sma9: number | null;
  /** Σ(typical × volume) / Σ(volume) since the session's first bar; null while Σ(volume) is 0. */
  vwap: number | null;
}

export const SMA_PERIOD = 9;

/**
 * Indicators for one session's bars, in time order, starting at the session's first bar (VWAP
 * resets at the open because the caller passes one session only). A missing minute resets
 * nothing: the SMA spans the last 9 bars present.
 */
export function withIndicators(candles: readonly Candle[]): Bar[] {
  const bars: Bar[] = [];
  let priceVolume = 0;
  let volume = 0;
  for (let i = 0; i < candles.length; i++) {
    const candle = candles[i]!;
    priceVolume += ((candle.high + candle.low + candle.close) / 3) * candle.volume;
    volume += candle.volume;
    let sma9: number | null = null;
    if (i + 1 >= SMA_PERIOD) {
      // Summed afresh per bar: a running sum would drift over a session; 9 adds cost nothing.
      let sum = 0;
      for (let j = i + 1 - SMA_PERIOD; j <= i; j++) sum += candles[j]!.close;
      sma9 = sum / SMA_PERIOD;
    }
    bars.push({ ...candle, sma9, vwap: volume > 0 ? priceVolume / volume : null });
  }
  return bars;
}
