// Entry point of the masking engine: compiles the rules file once per process and caches the engine.
// PLACEHOLDER until the masking-engine branch lands: masks e-mail addresses only.
import { emptyRedaction, type MaskingEngine, type Redaction } from './masking-engine';

export * from './masking-engine';

const emailPattern = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

function placeholderEngine(): MaskingEngine {
  const engine: MaskingEngine = {
    maskText(text) {
      const masked = text.replace(emailPattern, '[EMAIL]');
      return { text: masked, rules: masked === text ? [] : ['email'] };
    },
    maskValue<T>(value: T, path = ''): { value: T; redaction: Redaction } {
      const redaction = emptyRedaction();
      const walk = (node: unknown, at: string): unknown => {
        if (typeof node === 'string') {
          const result = engine.maskText(node);
          if (result.rules.length) {
            redaction.fieldsRedacted.push(at);
            redaction.count++;
            for (const rule of result.rules) if (!redaction.patternsMatched.includes(rule)) redaction.patternsMatched.push(rule);
          }
          return result.text;
        }
        if (Array.isArray(node)) return node.map((item, index) => walk(item, `${at}[${index}]`));
        if (node && typeof node === 'object') {
          return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, at ? `${at}.${key}` : key)]));
        }
        return node;
      };
      return { value: walk(value, path) as T, redaction };
    },
  };
  return engine;
}

let cached: MaskingEngine | undefined;

export function getMaskingEngine(): MaskingEngine {
  cached ??= placeholderEngine();
  return cached;
}
