// What masking did to an item: which fields were masked and by which rules (never the values).
import type { LogDoc } from '../api/types';

export function Redaction({ redaction }: { redaction: LogDoc['redaction'] }) {
  if (!redaction.fieldsRedacted.length && !redaction.patternsMatched.length) return <p class="muted">Nothing was masked.</p>;
  return (
    <p class="redaction">
      <strong>Masked:</strong> {redaction.count ?? redaction.fieldsRedacted.length} value(s) in {redaction.fieldsRedacted.map((field) => <code>{field} </code>)}
      by rule(s) {redaction.patternsMatched.map((rule) => <code>{rule} </code>)}
    </p>
  );
}

export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}
