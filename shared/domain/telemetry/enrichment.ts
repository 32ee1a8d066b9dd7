// Enrichment without PII: browser and OS parsed from the user agent (the raw string is not stored) and a
// coarse region from a header a trusted edge sets. The client IP is never read.
import UAParser from 'ua-parser-js';
import type { DeviceContext } from './items';

export interface StoredDevice extends Omit<DeviceContext, 'userAgent'> {
  browser?: string;
  os?: string;
  region?: string;
}

function nameAndVersion(part: { name?: string; version?: string }): string | undefined {
  if (!part.name) return undefined;
  return part.version ? `${part.name} ${part.version}` : part.name;
}

/** Country (ISO 3166-1 alpha-2), optionally with a subdivision (`US-CA`); anything else is ignored. */
export function coarseRegion(headerValue: string | null | undefined): string | undefined {
  const value = headerValue?.trim();
  if (!value || !/^[A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?$/.test(value)) return undefined;
  return value.toUpperCase();
}

interface ParsedAgent {
  browser: string | undefined;
  os: string | undefined;
}

/**
 * Browser and OS by user agent: a device sends the same agent with every batch, and parsing it costs more
 * than the rest of enrichment. Bounded: emptied when full, as there are few distinct agents in practice.
 */
const parsedAgents = new Map<string, ParsedAgent>();
const PARSED_AGENTS_LIMIT = 1000;

function parseAgent(agent: string): ParsedAgent {
  let parsed = parsedAgents.get(agent);
  if (parsed === undefined) {
    const result = new UAParser(agent).getResult();
    parsed = { browser: nameAndVersion(result.browser), os: nameAndVersion(result.os) };
    if (parsedAgents.size >= PARSED_AGENTS_LIMIT) parsedAgents.clear();
    parsedAgents.set(agent, parsed);
  }
  return parsed;
}

export function enrichDevice(device: DeviceContext, userAgentHeader: string | null | undefined, regionHeaderValue: string | null | undefined): StoredDevice {
  // The user id only files the session under its user (per-user index); it is not kept with every item.
  const { userAgent, userId: _userId, ...rest } = device;
  const stored: StoredDevice = { ...rest };
  const agent = userAgent ?? userAgentHeader ?? undefined;
  if (agent) {
    const { browser, os } = parseAgent(agent.slice(0, 1024));
    if (browser) stored.browser = browser;
    if (os) stored.os = os;
  }
  const region = coarseRegion(regionHeaderValue);
  if (region) stored.region = region;
  return stored;
}
