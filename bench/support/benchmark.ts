// What each benchmark receives and returns: the runner owns printing, timing and results.json.
import type { Row } from './report';

export interface BenchmarkContext {
  /** `--quick`: fewer and shorter rounds, to check the harness itself; figures are rougher. */
  quick: boolean;
  log(line: string): void;
}

export interface BenchmarkOutcome {
  rows: Row[];
  details: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  run(context: BenchmarkContext): Promise<BenchmarkOutcome>;
}
