// `npx diagnostics <command>`: local developer tools (tokens and keys for the local host).
import { signLocalToken } from '../shared/adapters/identity/jose-token-verifier';
import { productIngestKey } from '../shared/domain/devices/credentials';
import { DEMO_PRODUCT_ID, LOCAL_AUTH, LOCAL_DEV_SECRETS } from '../local-host/local-settings';
import { redactJsonLines } from './redact';
import { runDetect } from './detect';

const usage = `Usage:
  diagnostics token [--role admin|engineer] [--product <id>]... [--subject <id>] [--hours <n>]
  diagnostics product-key <productId>
  diagnostics redact --jsonl < in.jsonl > out.jsonl   (each line a JSON object with a "text" string)
  diagnostics detect --csv <file> [--sensitivity low|medium|high|<z>] [--direction up|down|both]
                     [--window <points>] [--seasonality auto|none|hour_of_week] [--all]
                     (a timestamp,value CSV; prints {"timestamp","score"} JSON lines for anomalous points)`;

function option(args: string[], name: string): string[] {
  const values: string[] = [];
  args.forEach((arg, index) => {
    if (arg === `--${name}` && args[index + 1] !== undefined) values.push(args[index + 1]!);
  });
  return values;
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
  async token(args) {
    const roles = option(args, 'role');
    const products = option(args, 'product');
    const token = await signLocalToken(
      { ...LOCAL_AUTH, issuer: LOCAL_AUTH.AUTH_ISSUER, audience: LOCAL_AUTH.AUTH_AUDIENCE, rolesClaim: 'roles', productsClaim: 'products', localSecret: process.env.AUTH_LOCAL_SECRET ?? LOCAL_DEV_SECRETS.AUTH_LOCAL_SECRET },
      {
        subject: option(args, 'subject')[0] ?? `local-${roles[0] ?? 'admin'}`,
        roles: roles.length ? roles : ['admin'],
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
