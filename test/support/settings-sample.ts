// The settings sample (local.settings.sample.json) as a test baseline: a complete azure-mode environment
// made of placeholders, from which tests derive which settings the app cannot start without.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSettings, settingsSchema, SettingsError } from '../../shared/config/settings';

export const SAMPLE_PATH = path.join(__dirname, '../../local.settings.sample.json');

export function readSample(): { IsEncrypted: boolean; Values: Record<string, string> } {
  return JSON.parse(readFileSync(SAMPLE_PATH, 'utf8')) as { IsEncrypted: boolean; Values: Record<string, string> };
}

/** The sample's values as an environment; empty placeholders count as unset, as in parseSettings. */
export function azureSampleSettings(): Record<string, string | undefined> {
  const values = readSample().Values;
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value === '' ? undefined : value]));
}

/** Schema keys without which the sample stops parsing in azure mode, each named in the error. */
export function settingsRequiredInAzure(): string[] {
  const baseline = azureSampleSettings();
  parseSettings(baseline);
  return Object.keys(settingsSchema.shape).filter((name) => {
    try {
      parseSettings({ ...baseline, [name]: undefined });
      return false;
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      return error.missingOrInvalid.some((issue) => issue.startsWith(`${name}:`));
    }
  });
}
