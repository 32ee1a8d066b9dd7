// The last masking pass before a report leaves the service: whatever is still found is masked and counted
// as a violation (stored items were masked at ingest, so anything found here slipped through).
import type { MaskingEngine } from '../masking';
import type { DiagnosticReport } from './report';

export interface FinalPass<T> {
  value: T;
  /** How many values the final pass still had to mask. */
  violations: number;
  rules: string[];
}

export function maskReport(report: DiagnosticReport, engine: MaskingEngine): FinalPass<DiagnosticReport> {
  const { value, redaction } = engine.maskValue(report);
  return { value, violations: redaction.count, rules: redaction.patternsMatched };
}

export function maskRenderedText(text: string, engine: MaskingEngine): FinalPass<string> {
  const result = engine.maskText(text);
  return { value: result.text, violations: result.rules.length, rules: result.rules };
}
