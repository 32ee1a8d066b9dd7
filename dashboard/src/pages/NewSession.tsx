// /sessions/new: opens a session. The browser only checks what HTML can; the API's problem+json names each bad
// field (`errors[].field`) and the message is shown next to that field.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { CreateSessionInput } from '../api/types';
import { signedIn } from '../auth/auth';
import { ErrorState } from '../components/states';
import { duration } from '../format';
import { navigate } from '../router';

const targetKinds = [
  { field: 'targetDeviceId', label: 'Device id' },
  { field: 'targetUserId', label: 'User id' },
  { field: 'targetAnonymousId', label: 'Anonymous id' },
  { field: 'targetSessionId', label: 'App session id' },
] as const;
type TargetField = (typeof targetKinds)[number]['field'];

const captureFlags = [
  { flag: 'logs', label: 'Logs' },
  { flag: 'traces', label: 'Traces' },
  { flag: 'breadcrumbs', label: 'Breadcrumbs' },
  { flag: 'network', label: 'Network requests' },
  { flag: 'console', label: 'Console' },
  { flag: 'screenshots', label: 'Screenshots' },
] as const;
type CaptureFlag = (typeof captureFlags)[number]['flag'] | 'screenshotOnError';

/** The duration slider's stops: 5 minutes to 24 hours. */
export const DURATION_MIN = 5;
export const DURATION_MAX = 1440;

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <span class="field-error" id={id} role="alert">
      {message}
    </span>
  ) : null;
}

export function NewSession() {
  const products = signedIn.value?.products ?? [];
  const [productId, setProductId] = useState(products[0] ?? '');
  const [targetField, setTargetField] = useState<TargetField>('targetDeviceId');
  const [targetValue, setTargetValue] = useState('');
  const [level, setLevel] = useState<'standard' | 'debug' | 'trace'>('debug');
  const [capture, setCapture] = useState<Record<CaptureFlag, boolean>>({
    logs: true,
    traces: true,
    breadcrumbs: true,
    network: true,
    console: false,
    screenshots: true,
    screenshotOnError: true,
  });
  const [consent, setConsent] = useState<'prompt' | 'pre_consent' | 'auto'>('prompt');
  const [minutes, setMinutes] = useState(60);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const problem = error instanceof ApiError && error.status === 400 ? error : undefined;
  const fieldError = (field: string) => problem?.fieldMessage(field);
  const targetError = fieldError(targetField) ?? targetKinds.map((kind) => fieldError(kind.field)).find(Boolean);
  const shownFields = new Set([
    'productId',
    'collectionLevel',
    'userConsent',
    'maxDurationMinutes',
    'reason',
    'capture',
    ...targetKinds.map((kind) => kind.field),
  ]);
  const otherErrors =
    problem?.problem.errors?.filter((issue) => ![...shownFields].some((field) => issue.field === field || issue.field.startsWith(`${field}.`))) ?? [];

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const input: CreateSessionInput = {
      productId,
      [targetField]: targetValue,
      collectionLevel: level,
      capture,
      userConsent: consent,
      maxDurationMinutes: minutes,
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    };
    try {
      const created = await api.createSession(input);
      navigate(`/sessions/${created.id}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <section class="panel">
      <h1>New session</h1>
      <form class="form new-session" onSubmit={submit} noValidate>
        <label class="field">
          <span>Product</span>
          <select
            name="productId"
            value={productId}
            onChange={(event) => setProductId(event.currentTarget.value)}
            aria-invalid={fieldError('productId') ? 'true' : undefined}
            aria-describedby="productId-error"
          >
            {products.map((value) => (
              <option value={value}>{value}</option>
            ))}
          </select>
          <FieldError id="productId-error" message={fieldError('productId')} />
        </label>
        <fieldset>
          <legend>Target</legend>
          <label class="field">
            <span>Kind</span>
            <select name="targetKind" value={targetField} onChange={(event) => setTargetField(event.currentTarget.value as TargetField)}>
              {targetKinds.map((kind) => (
                <option value={kind.field}>{kind.label}</option>
              ))}
            </select>
          </label>
          <label class="field grow">
            <span>{targetKinds.find((kind) => kind.field === targetField)!.label}</span>
            <input
              name="targetValue"
              value={targetValue}
              onInput={(event) => setTargetValue(event.currentTarget.value)}
              aria-invalid={targetError ? 'true' : undefined}
              aria-describedby="target-error"
              autoComplete="off"
            />
            <FieldError id="target-error" message={targetError} />
          </label>
        </fieldset>
        <label class="field">
          <span>Collection level</span>
          <select name="collectionLevel" value={level} onChange={(event) => setLevel(event.currentTarget.value as typeof level)}>
            <option value="standard">standard (info and above)</option>
            <option value="debug">debug</option>
            <option value="trace">trace (everything)</option>
          </select>
          <FieldError id="level-error" message={fieldError('collectionLevel')} />
        </label>
        <fieldset>
          <legend>Capture</legend>
          {captureFlags.map(({ flag, label }) => (
            <label>
              <input
                type="checkbox"
                name={flag}
                checked={capture[flag]}
                onChange={(event) => setCapture({ ...capture, [flag]: event.currentTarget.checked })}
              />{' '}
              {label}
            </label>
          ))}
          <label>
            <input
              type="checkbox"
              name="screenshotOnError"
              checked={capture.screenshotOnError}
              onChange={(event) => setCapture({ ...capture, screenshotOnError: event.currentTarget.checked })}
            />{' '}
            Screenshot on error
          </label>
          <FieldError id="capture-error" message={fieldError('capture')} />
        </fieldset>
        <label class="field">
          <span>User consent</span>
          <select name="userConsent" value={consent} onChange={(event) => setConsent(event.currentTarget.value as typeof consent)}>
            <option value="prompt">prompt the user first</option>
            <option value="pre_consent">already consented</option>
            <option value="auto">no prompt (internal devices)</option>
          </select>
          <FieldError id="consent-error" message={fieldError('userConsent')} />
        </label>
        <label class="field">
          <span>
            Duration: <span class="duration-value">{duration(minutes * 60_000)}</span>
          </span>
          <input
            type="range"
            name="maxDurationMinutes"
            min={DURATION_MIN}
            max={DURATION_MAX}
            step={5}
            value={minutes}
            onInput={(event) => setMinutes(Number(event.currentTarget.value))}
            aria-valuetext={duration(minutes * 60_000)}
            aria-invalid={fieldError('maxDurationMinutes') ? 'true' : undefined}
            aria-describedby="duration-error"
          />
          <FieldError id="duration-error" message={fieldError('maxDurationMinutes')} />
        </label>
        <label class="field">
          <span>Reason</span>
          <textarea
            name="reason"
            rows={3}
            value={reason}
            onInput={(event) => setReason(event.currentTarget.value)}
            aria-invalid={fieldError('reason') ? 'true' : undefined}
            aria-describedby="reason-error"
          />
          <FieldError id="reason-error" message={fieldError('reason')} />
        </label>
        {otherErrors.length ? (
          <ul class="notice error" role="alert">
            {otherErrors.map((issue) => (
              <li>
                {issue.field}: {issue.message}
              </li>
            ))}
          </ul>
        ) : null}
        {error && !problem ? <ErrorState error={error} /> : null}
        <div>
          <button type="submit" class="primary" disabled={busy}>
            Create session
          </button>{' '}
          <a href="/sessions">Cancel</a>
        </div>
      </form>
    </section>
  );
}
