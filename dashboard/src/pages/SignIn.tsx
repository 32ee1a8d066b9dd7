// Sign-in: the local host's dev sign-in (role and products, marked local only), or Entra ID in Azure.
import { useEffect, useState } from 'preact/hooks';
import { completeEntraSignIn, config, devSignIn, entraSignIn, loadConfig } from '../auth/auth';
import { navigate, query } from '../router';
import { ErrorState, Loading } from '../components/states';

function nextPath(): string {
  const next = query.value.get('next') ?? '/sessions';
  // Only paths of this site: an open redirect through ?next= is refused.
  return next.startsWith('/') && !next.startsWith('//') ? next : '/sessions';
}

export function SignIn() {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [role, setRole] = useState<'admin' | 'engineer' | 'viewer'>('admin');
  // Like `npx diagnostics token`: admin and engineer dev tokens carry Diagnostics.Sensitive unless unticked.
  const [sensitive, setSensitive] = useState(true);
  const choose = (next: typeof role) => {
    setRole(next);
    setSensitive(next !== 'viewer');
  };
  const [products, setProducts] = useState('demo');

  useEffect(() => {
    loadConfig()
      .then(async (current) => {
        if (current.signIn !== 'entra') return;
        const next = await completeEntraSignIn();
        if (next) navigate(next, { replace: true });
      })
      .catch(setError);
  }, []);

  const current = config.value;
  if (error && !current) return <ErrorState error={error} retry={() => location.reload()} />;
  if (!current) return <Loading label="Loading sign-in…" />;

  if (current.signIn === 'unconfigured') {
    return (
      <section class="panel signin">
        <h1>Sign-in is not configured</h1>
        <p>Set {current.missing.join(', ')} in the app's settings (see docs/dashboard.md).</p>
      </section>
    );
  }

  if (current.signIn === 'entra') {
    return (
      <section class="panel signin">
        <h1>Sign in</h1>
        <p>Sign in with your organisation's account (Entra ID).</p>
        {error ? <ErrorState error={error} /> : null}
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() => (setBusy(true), entraSignIn(nextPath()).catch((failure) => (setBusy(false), setError(failure))))}
        >
          Sign in with Microsoft
        </button>
      </section>
    );
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await devSignIn({ role, sensitive, products: products.split(/[\s,]+/).filter(Boolean) });
      navigate(nextPath(), { replace: true });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <section class="panel signin">
      <h1>Sign in</h1>
      <p class="local-only" role="note">
        <strong>Local only.</strong> This dev sign-in exists only on the local host (<code>npm start</code>); it mints the same token as{' '}
        <code>npx diagnostics token</code>. In Azure you sign in with Entra ID.
      </p>
      <form onSubmit={submit} class="form">
        <fieldset>
          <legend>Role</legend>
          <label>
            <input type="radio" name="role" value="admin" checked={role === 'admin'} onChange={() => choose('admin')} /> Admin (creates and changes sessions)
          </label>
          <label>
            <input type="radio" name="role" value="engineer" checked={role === 'engineer'} onChange={() => choose('engineer')} /> Engineer (read only)
          </label>
          <label>
            <input type="radio" name="role" value="viewer" checked={role === 'viewer'} onChange={() => choose('viewer')} /> Viewer (reads, sensitive parts
            withheld)
          </label>
        </fieldset>
        <fieldset>
          <legend>Sensitive data</legend>
          <label>
            <input type="checkbox" name="sensitive" checked={sensitive} onChange={(event) => setSensitive(event.currentTarget.checked)} /> Diagnostics.Sensitive
            (bodies, headers, stacks, context, screenshots)
          </label>
        </fieldset>
        <label class="field">
          <span>Products (comma-separated)</span>
          <input name="products" value={products} onInput={(event) => setProducts(event.currentTarget.value)} required />
        </label>
        {error ? <ErrorState error={error} /> : null}
        <button type="submit" class="primary" disabled={busy}>
          Sign in (local)
        </button>
      </form>
    </section>
  );
}
