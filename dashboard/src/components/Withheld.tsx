// Fields the API withheld from this reader (the field access policy, docs/privacy.md) arrive as
// {"withheld": "requires Diagnostics.Sensitive"}; they show as a muted chip saying so, never as empty or broken.

export interface WithheldMarker {
  withheld: string;
}

export function isWithheld(value: unknown): value is WithheldMarker {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { withheld?: unknown }).withheld === 'string'
  );
}

export function WithheldChip({ marker, label }: { marker: WithheldMarker; label: string }) {
  return (
    <span class="withheld" role="note" aria-label={`${label}: withheld, ${marker.withheld}`}>
      withheld — {marker.withheld}
    </span>
  );
}

/** The top-level keys of an object whose values were withheld, and the object without them. */
export function splitWithheld(value: Record<string, unknown>): { shown: Record<string, unknown>; withheld: Array<[string, WithheldMarker]> } {
  const shown: Record<string, unknown> = {};
  const withheld: Array<[string, WithheldMarker]> = [];
  for (const [key, entry] of Object.entries(value)) {
    if (isWithheld(entry)) withheld.push([key, entry]);
    else shown[key] = entry;
  }
  return { shown, withheld };
}
