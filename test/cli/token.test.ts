// `diagnostics token`: the quick-start default is an admin of "demo"; naming a subject (or `--role user`) mints
// that person as a plain user, and roles are taken as given. Tokens are checked by the verifier the host uses.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from '../../cli/diagnostics';
import { LOCAL_AUTH, LOCAL_DEV_SECRETS } from '../../local-host/local-settings';
import { createTokenVerifier } from '../../shared/adapters/identity/jose-token-verifier';

const verifier = createTokenVerifier({
  issuer: LOCAL_AUTH.AUTH_ISSUER,
  audience: LOCAL_AUTH.AUTH_AUDIENCE,
  rolesClaim: 'roles',
  productsClaim: 'products',
  localSecret: LOCAL_DEV_SECRETS.AUTH_LOCAL_SECRET,
});

async function mint(...args: string[]) {
  let printed = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  });
  try {
    expect(await commands.token!(args)).toBe(0);
  } finally {
    write.mockRestore();
  }
  const principal = await verifier.verify(printed.trim());
  return { subject: principal.subject, roles: [...principal.roles], products: [...principal.products] };
}

afterEach(() => vi.restoreAllMocks());

describe('diagnostics token', () => {
  it('without options, an admin of demo', async () => {
    expect(await mint()).toMatchObject({ subject: 'local-admin', roles: ['admin', 'sensitive'], products: ['demo'] });
  });

  it('with --subject alone, a plain user of that subject', async () => {
    const principal = await mint('--subject', 'jane');
    expect(principal).toMatchObject({ subject: 'jane', roles: [] });
  });

  it('with --role user, a plain user; with --role engineer, an engineer', async () => {
    expect(await mint('--role', 'user', '--subject', 'jane')).toMatchObject({ subject: 'jane', roles: [] });
    expect(await mint('--role', 'user')).toMatchObject({ subject: 'local-user', roles: [] });
    expect(await mint('--role', 'engineer', '--subject', 'sam', '--product', 'shop')).toMatchObject({
      subject: 'sam',
      roles: ['engineer', 'sensitive'],
      products: ['shop'],
    });
  });

  it('grants Diagnostics.Sensitive to admin and engineer dev tokens unless --no-sensitive; a viewer only when asked', async () => {
    expect(await mint('--role', 'engineer', '--no-sensitive')).toMatchObject({ roles: ['engineer'] });
    expect(await mint('--role', 'viewer')).toMatchObject({ subject: 'local-viewer', roles: ['viewer'] });
    expect(await mint('--role', 'viewer', '--role', 'Diagnostics.Sensitive')).toMatchObject({ roles: ['viewer', 'sensitive'] });
  });
});
