// Runs bench/report-generation.ts in a process of its own, forwarding its progress lines, so the runner can
// hold it to a time budget: a size that does not finish in time is reported as such, not waited for.
import path from 'node:path';

type ReportGeneration = (options: { quick?: boolean; log?: (line: string) => void }) => Promise<unknown[]>;

// Required at run time from the compiled bench (this runner is forked from dist/, beside report-generation.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { benchReportGeneration } = require(path.join(__dirname, '..', 'report-generation.js')) as { benchReportGeneration: ReportGeneration };

benchReportGeneration({ quick: process.env.BENCH_QUICK === '1', log: (line) => process.send!({ log: line }) })
  .then((rows) => process.send!({ rows }, () => process.exit(0)))
  .catch((error: unknown) => process.send!({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1)));
