// Device and app context sent with each batch: platform, versions, locale, memory and connectivity,
// each only where the runtime has it (browsers and Node expose different things).
import { nodeProcess } from './runtime.js';
import type { DeviceContext } from './wire.js';

export const SDK_VERSION = '0.1.0';

interface NavigatorLike {
  userAgent?: string;
  language?: string;
  platform?: string;
  onLine?: boolean;
  deviceMemory?: number;
  userAgentData?: { platform?: string };
  connection?: { effectiveType?: string; type?: string };
}

interface OsModuleLike {
  totalmem?: () => number;
  release?: () => string;
}

function cut(value: string | undefined, maxLength: number): string | undefined {
  return value ? value.slice(0, maxLength) : undefined;
}

/** Memory and connectivity change while the app runs, so this is read again for each batch (it is cheap). */
export function collectDeviceContext(base: { appVersion?: string; platform?: string }): DeviceContext {
  const context: DeviceContext = { sdkVersion: SDK_VERSION };
  if (base.appVersion) context.appVersion = cut(base.appVersion, 64);
  const node = nodeProcess();
  const navigatorLike = (globalThis as { navigator?: NavigatorLike }).navigator;
  if (node) {
    context.platform = cut(base.platform ?? `node-${node.platform ?? 'unknown'}`, 64);
    const os = node.getBuiltinModule?.('node:os') as OsModuleLike | undefined;
    const release = os?.release?.();
    context.osVersion = cut(release ? `${node.platform ?? ''} ${release}`.trim() : undefined, 64);
    const totalBytes = os?.totalmem?.();
    if (totalBytes) context.memoryMb = Math.round(totalBytes / (1024 * 1024));
    context.userAgent = cut(`node/${node.versions?.node ?? ''}`, 1024);
  } else if (navigatorLike) {
    context.platform = cut(base.platform ?? navigatorLike.userAgentData?.platform ?? navigatorLike.platform ?? 'browser', 64);
    context.userAgent = cut(navigatorLike.userAgent, 1024);
    if (typeof navigatorLike.deviceMemory === 'number') context.memoryMb = navigatorLike.deviceMemory * 1024;
    const connection = navigatorLike.connection?.effectiveType ?? navigatorLike.connection?.type;
    context.connectivity = cut(navigatorLike.onLine === false ? 'offline' : (connection ?? (navigatorLike.onLine ? 'online' : undefined)), 32);
  } else if (base.platform) {
    context.platform = cut(base.platform, 64);
  }
  try {
    context.locale = cut(navigatorLike?.language ?? Intl.DateTimeFormat().resolvedOptions().locale, 32);
  } catch {
    // Some embedded runtimes ship without Intl data; the locale is optional.
  }
  for (const key of Object.keys(context) as (keyof DeviceContext)[]) if (context[key] === undefined) delete context[key];
  return context;
}

/**
 * False only when the runtime says it is offline (browsers); Node always tries. A scope the app hands in (its window)
 * is asked first, as it is for events.
 */
export function runtimeSaysOnline(scope?: unknown): boolean {
  const given = (scope as { navigator?: NavigatorLike } | undefined)?.navigator;
  if (given) return given.onLine !== false;
  if (nodeProcess()) return true;
  return (globalThis as { navigator?: NavigatorLike }).navigator?.onLine !== false;
}
