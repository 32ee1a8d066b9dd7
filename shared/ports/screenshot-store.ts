// Screenshot metadata (`debug_screenshots`, pk /sessionId). Verbs follow the Azure SDK guidelines.
import type { ScreenshotDoc } from '../domain/screenshots/screenshot';
import type { Page } from './session-store';

export interface VersionedScreenshot {
  screenshot: ScreenshotDoc;
  etag: string;
}

export interface ScreenshotStore {
  create(doc: ScreenshotDoc): Promise<VersionedScreenshot>;
  get(sessionId: string, screenshotId: string): Promise<VersionedScreenshot | undefined>;
  /** Replaces only if the stored etag still equals `ifMatch`; otherwise `precondition_failed`. */
  replace(doc: ScreenshotDoc, ifMatch: string): Promise<VersionedScreenshot>;
  /** Oldest first. */
  list(sessionId: string, page: { maxItems: number; continuationToken?: string }): Promise<Page<ScreenshotDoc>>;
  /** Pending screenshots, across sessions, whose upload window closed before `before` (ISO time): never confirmed. */
  listAbandoned(before: string, maxItems: number): Promise<ScreenshotDoc[]>;
}
