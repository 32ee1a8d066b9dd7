// The maskers compared: ours (getMaskingEngine) and the JavaScript libraries a team would otherwise pick,
// each with its default rules, called the way its README shows. Two are ESM-only, hence the dynamic import.
import { loadMaskingEngine } from '../../shared/config/masking-rules';
import { installedVersion } from '../support/paths';

export type Mask = (text: string) => string | Promise<string>;

export interface Contender {
  name: string;
  version: string;
  /** Some APIs are async only; that cost is part of using them. */
  asynchronous: boolean;
  mask: Mask;
}

/** A real `import()` that TypeScript's CommonJS output would otherwise turn into `require()`. */
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

export function ourContender(): Contender {
  const engine = loadMaskingEngine();
  return { name: 'ours', version: 'this repo', asynchronous: false, mask: (text) => engine.maskText(text).text };
}

interface PeerDefinition {
  name: string;
  asynchronous: boolean;
  load(): Promise<Mask>;
}

const peers: PeerDefinition[] = [
  {
    name: 'redact-pii',
    asynchronous: false,
    async load() {
      const { SyncRedactor } = (await importModule('redact-pii')) as { SyncRedactor: new () => { redact(text: string): string } };
      const redactor = new SyncRedactor();
      return (text) => redactor.redact(text);
    },
  },
  {
    name: '@redactpii/node',
    asynchronous: false,
    async load() {
      const { Redactor } = (await importModule('@redactpii/node')) as { Redactor: new () => { redact(text: string): string } };
      const redactor = new Redactor();
      return (text) => redactor.redact(text);
    },
  },
  {
    name: 'openredaction',
    asynchronous: true,
    async load() {
      const { OpenRedaction } = (await importModule('openredaction')) as {
        OpenRedaction: new (options: object) => { detect(text: string): Promise<{ redacted: string }> };
      };
      const redactor = new OpenRedaction({ redactionMode: 'placeholder' });
      return async (text) => (await redactor.detect(text)).redacted;
    },
  },
  {
    name: '@arcjet/redact',
    asynchronous: true,
    async load() {
      const { redact } = (await importModule('@arcjet/redact')) as { redact: (text: string) => Promise<[string, unknown]> };
      return async (text) => (await redact(text))[0];
    },
  },
];

export interface UnavailablePeer {
  name: string;
  reason: string;
}

/** Loads every peer that installs and runs here; one that cannot is reported with the reason. */
export async function loadPeers(): Promise<{ contenders: Contender[]; unavailable: UnavailablePeer[] }> {
  const contenders: Contender[] = [];
  const unavailable: UnavailablePeer[] = [];
  for (const peer of peers) {
    try {
      const mask = await peer.load();
      await mask('probe: jane@example.com');
      contenders.push({ name: peer.name, version: installedVersion(peer.name), asynchronous: peer.asynchronous, mask });
    } catch (error) {
      unavailable.push({ name: peer.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { contenders, unavailable };
}
