// The dashboard shell: header with who is signed in, and the page for the current path.
import { lazy, Suspense } from 'preact/compat';
import { forget, signedIn } from './auth/auth';
import { location$, navigate } from './router';
import { SignIn } from './pages/SignIn';
import { SessionList } from './pages/SessionList';
import { NewSession } from './pages/NewSession';
import { Loading } from './components/states';

// The detail page and its tabs load on first visit, so the list stays small.
const SessionDetail = lazy(() => import('./pages/SessionDetail').then((module) => module.SessionDetail));
// The signals page brings the chart library; nobody else pays for it.
const Signals = lazy(() => import('./pages/Signals').then((module) => module.Signals));

function Page() {
  const { pathname } = location$.value;
  if (pathname.startsWith('/signin')) return <SignIn />;
  if (!signedIn.value) {
    queueMicrotask(() => navigate(`/signin?next=${encodeURIComponent(pathname + location$.value.search)}`, { replace: true }));
    return <Loading label="Redirecting to sign-in…" />;
  }
  if (pathname === '/' || pathname === '/sessions' || pathname === '/sessions/') return <SessionList />;
  if (pathname === '/sessions/new') return <NewSession />;
  const detail = /^\/sessions\/(ds_[0-9a-f-]{36})\/?$/.exec(pathname);
  if (detail) {
    return (
      <Suspense fallback={<Loading />}>
        <SessionDetail id={detail[1]!} />
      </Suspense>
    );
  }
  const signals = /^\/products\/([^/]{1,128})\/signals\/?$/.exec(pathname);
  if (signals) {
    return (
      <Suspense fallback={<Loading />}>
        <Signals productId={decodeURIComponent(signals[1]!)} />
      </Suspense>
    );
  }
  return (
    <section class="panel">
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{pathname}</code>. <a href="/sessions">Go to the sessions</a>.
      </p>
    </section>
  );
}

export function App() {
  const user = signedIn.value;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/sessions">
          Diagnostics
        </a>
        <nav aria-label="Main">
          <a href="/sessions" aria-current={location$.value.pathname === '/sessions' ? 'page' : undefined}>
            Sessions
          </a>
          {(user?.products ?? []).map((product) => (
            <a
              key={product}
              href={`/products/${encodeURIComponent(product)}/signals`}
              aria-current={location$.value.pathname.startsWith(`/products/${encodeURIComponent(product)}/signals`) ? 'page' : undefined}
            >
              Signals{user && user.products.length > 1 ? ` · ${product}` : ''}
            </a>
          ))}
        </nav>
        {user ? (
          <div class="who">
            <span>
              {user.subject} · {user.roles.join(', ')} · {user.products.join(', ')}
            </span>
            <button type="button" class="link" onClick={() => (forget(), navigate('/signin'))}>
              Sign out
            </button>
          </div>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
    </>
  );
}
