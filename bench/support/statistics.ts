// Small statistics used by every benchmark: medians over interleaved rounds, percentiles, ratios.

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile of unsorted values; `fraction` in [0, 1]. */
export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function ratio(value: number, reference: number): number {
  return reference === 0 ? Number.NaN : value / reference;
}

/**
 * Growth exponent k of cost ~ size^k from the smallest to the largest point (log-log slope):
 * 1 is linear, below 1 better than linear.
 */
export function growthExponent(points: Array<{ size: number; seconds: number }>): number {
  if (points.length < 2) return Number.NaN;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return Math.log(last.seconds / first.seconds) / Math.log(last.size / first.size);
}

/**
 * The growth exponent k of cost ~ a * size^k fitted by least squares over every point in log-log space, so a
 * noisy end point moves it less than the two-point slope: 0 is flat, 1 linear, 2 quadratic. Points whose size
 * or cost is not positive cannot sit on a log scale and are left out; fewer than two sizes give NaN.
 */
export function fittedGrowthExponent(points: Array<{ size: number; cost: number }>): number {
  const usable = points.filter((point) => point.size > 0 && point.cost > 0 && Number.isFinite(point.cost));
  if (new Set(usable.map((point) => point.size)).size < 2) return Number.NaN;
  const xs = usable.map((point) => Math.log(point.size));
  const ys = usable.map((point) => Math.log(point.cost));
  const meanX = mean(xs);
  const meanY = mean(ys);
  let covariance = 0;
  let variance = 0;
  xs.forEach((x, index) => {
    covariance += (x - meanX) * (ys[index]! - meanY);
    variance += (x - meanX) ** 2;
  });
  return covariance / variance;
}

/**
 * Runs each contender once per round, in the same order, for `rounds` rounds: a disturbance on this
 * shared machine then hits every contender rather than one of them.
 */
export async function interleave<T>(rounds: number, contenders: Array<() => Promise<T>>): Promise<T[][]> {
  const results: T[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, contender] of contenders.entries()) results[index]!.push(await contender());
  }
  return results;
}
