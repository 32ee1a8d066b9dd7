// `npx diagnostics <command>`: local developer tools (tokens and keys for the local host).
import { signLocalToken } from '../shared/adapters/identity/jose-token-verifier';
import { productIngestKey } from '../shared/domain/devices/credentials';
import { DEMO_PRODUCT_ID, LOCAL_AUTH, LOCAL_DEV_SECRETS, withDevSensitive } from '../local-host/local-settings';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderWireReference } from '../shared/http/wire-reference';
import { redactJsonLines } from './redact';
import { runDetect } from './detect';
import { followTail, formatItem } from './tail';

/** Where the generated wire reference lives, from the package root. */
export const WIRE_REFERENCE_PATH = 'docs/ingest-items.md';

const usage = `Usage:
  diagnostics token [--role admin|engineer|viewer|sensitive|user]... [--no-sensitive] [--product <id>]... [--subject <id>] [--hours <n>]
      no --role and no --subject: an admin of "demo"; --subject alone: a plain user (no role) of that subject;
      admin and engineer tokens carry Diagnostics.Sensitive (restricted fields) unless --no-sensitive
  diagnostics product-key <productId>
  diagnostics wire-reference [--write]   (the ingest item reference, from the schemas; --write updates docs/ingest-items.md)
  diagnostics redact --jsonl < in.jsonl > out.jsonl   (each line a JSON object with a "text" string)
  diagnostics detect --csv <file> [--sensitivity low|medium|high|<z>] [--direction up|down|both]
                     [--window <points>] [--seasonality auto|none|hour_of_week] [--all]
                     (a timestamp,value CSV; prints {"timestamp","score"} JSON lines for anomalous points)
  diagnostics tail <sessionId> [--level error[,warn]] [--type log,span] [--text <substring>] [--url <api base>] [--token <jwt>]
      follows a session live until it ends (token: --token, else $DIAGNOSTICS_TOKEN, else a local engineer token)`;

function option(args: string[], name: string): string[] {
  const values: string[] = [];
  args.forEach((arg, index) => {
    if (arg === `--${name}` && args[index + 1] !== undefined) values.push(args[index + 1]!);
  });
  return values;
}

/** A token the local host accepts (HS256 with the dev-only secret). */
function localToken(roles: string[], products: string[], subject?: string, hours = 12): Promise<string> {
  return signLocalToken(
    {
      ...LOCAL_AUTH,
      issuer: LOCAL_AUTH.AUTH_ISSUER,
      audience: LOCAL_AUTH.AUTH_AUDIENCE,
      rolesClaim: 'roles',
      productsClaim: 'products',
      localSecret: process.env.AUTH_LOCAL_SECRET ?? LOCAL_DEV_SECRETS.AUTH_LOCAL_SECRET,
    },
    {
      subject: subject ?? `local-${roles[0] ?? 'admin'}`,
      roles: withDevSensitive(roles.length ? roles : ['admin']),
      products: products.length ? products : [DEMO_PRODUCT_ID],
      expiresInSeconds: hours * 3600,
    },
  );
}

export const commands: Record<string, (args: string[]) => Promise<number>> = {
  async redact(args) {
    if (!args.includes('--jsonl')) {
      process.stderr.write(`${usage}\n`);
      return 2;
    }
    const summary = await redactJsonLines(process.stdin, process.stdout);
    process.stderr.write(`redact: ${summary.lines} lines, ${summary.redactions} redactions, ${summary.errors} bad lines\n`);
    // The caller exits the process next: let a piped stdout drain first so no line is cut off.
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    return 0;
  },
  detect: (args) => runDetect(args, process.stdout, process.stderr),
  async tail(args) {
    const sessionId = args[0];
    if (!sessionId || sessionId.startsWith('--')) {
      process.stderr.write(`${usage}\n`);
      return 2;
    }
    const baseUrl = option(args, 'url')[0] ?? process.env.DIAGNOSTICS_URL ?? 'http://127.0.0.1:7071/api';
    const token = option(args, 'token')[0] ?? process.env.DIAGNOSTICS_TOKEN ?? (await localToken(['engineer'], option(args, 'product')));
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    const outcome = await followTail({
      baseUrl,
      token,
      sessionId,
      levels: option(args, 'level').flatMap((value) => value.split(',')),
      types: option(args, 'type').flatMap((value) => value.split(',')),
      text: option(args, 'text')[0],
      signal: stop.signal,
      onItem: (item) => process.stdout.write(`${formatItem(item, colour)}\n`),
      onDropped: (dropped) => process.stderr.write(`tail: ${dropped.count} items skipped (too many in a second); read them with GET …/logs\n`),
      onNotice: (text) => process.stderr.write(`tail: ${text}\n`),
    });
    process.off('SIGINT', onSignal);
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    if (outcome.ended) {
      process.stderr.write(`tail: session ${sessionId} ended (${outcome.status})\n`);
      return 0;
    }
    if (outcome.reason === 'stopped') return 130;
    process.stderr.write(`tail: ${outcome.reason}\n`);
    return 1;
  },
  async 'wire-reference'(args) {
    const text = renderWireReference();
    if (args.includes('--write')) writeFileSync(path.join(__dirname, '..', '..', WIRE_REFERENCE_PATH), text);
    else process.stdout.write(text);
    return 0;
  },
  async token(args) {
    // `user` is no role at all: a signed-in user who may read sessions that target them.
    const roles = option(args, 'role').filter((role) => role !== 'user');
    const userAsked = option(args, 'role').includes('user');
    const subject = option(args, 'subject')[0];
    const products = option(args, 'product');
    const token = await signLocalToken(
      {
        ...LOCAL_AUTH,
        issuer: LOCAL_AUTH.AUTH_ISSUER,
        audience: LOCAL_AUTH.AUTH_AUDIENCE,
        rolesClaim: 'roles',
        productsClaim: 'products',
        localSecret: process.env.AUTH_LOCAL_SECRET ?? LOCAL_DEV_SECRETS.AUTH_LOCAL_SECRET,
      },
      {
        subject: subject ?? `local-${roles[0] ?? (userAsked ? 'user' : 'admin')}`,
        // The admin default is for the quick start only: naming a subject (or --role user) asks for that person.
        roles: withDevSensitive(roles.length || userAsked || subject ? roles : ['admin'], args.includes('--no-sensitive') ? false : undefined),
        products: products.length ? products : [DEMO_PRODUCT_ID],
        expiresInSeconds: Number(option(args, 'hours')[0] ?? 12) * 3600,
      },
    );
    process.stdout.write(`${token}\n`);
    return 0;
  },
  async 'product-key'(args) {
    const productId = args[0];
    if (!productId) {
      process.stderr.write(`${usage}\n`);
      return 2;
    }
    process.stdout.write(`${productIngestKey(process.env.INGEST_KEY_SECRET ?? LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, productId)}\n`);
    return 0;
  },
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`${usage}\n`);
    return name ? 2 : 0;
  }
  return command(rest);
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
