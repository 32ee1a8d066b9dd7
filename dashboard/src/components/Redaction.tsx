// What masking did to an item: which fields were masked and by which rules (never the values).
import type { LogDoc } from '../api/types';
import { isWithheld, splitWithheld, WithheldChip } from './Withheld';

export function Redaction({ redaction }: { redaction: LogDoc['redaction'] }) {
  if (!redaction.fieldsRedacted.length && !redaction.patternsMatched.length) return <p class="muted">Nothing was masked.</p>;
  return (
    <p class="redaction">
      <strong>Masked:</strong> {redaction.count ?? redaction.fieldsRedacted.length} value(s) in{' '}
      {redaction.fieldsRedacted.map((field) => (
        <code>{field} </code>
      ))}
      by rule(s){' '}
      {redaction.patternsMatched.map((rule) => (
        <code>{rule} </code>
      ))}
    </p>
  );
}

/** JSON as text; a withheld value (or withheld keys of an object, e.g. a span's stack attribute) as the chip. */
export function Json({ value, label }: { value: unknown; label: string }) {
  if (isWithheld(value))
    return (
      <p class="withheld-field">
        <span class="muted">{label}</span> <WithheldChip marker={value} label={label} />
      </p>
    );
  const { shown, withheld } =
    typeof value === 'object' && value !== null && !Array.isArray(value) ? splitWithheld(value as Record<string, unknown>) : { shown: value, withheld: [] };
  return (
    <>
      {withheld.length === 0 || Object.keys(shown as object).length > 0 ? (
        <pre class="json" aria-label={label} tabIndex={0}>
          {JSON.stringify(shown, null, 2)}
        </pre>
      ) : null}
      {withheld.map(([key, marker]) => (
        <p key={key} class="withheld-field">
          <code>{key}</code> <WithheldChip marker={marker} label={`${label} ${key}`} />
        </p>
      ))}
    </>
  );
}
