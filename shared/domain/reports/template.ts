// The report template: which sections a report has and the limits of each, as validated data.
import { z } from 'zod';

const count = (max: number) => z.number().int().min(1).max(max);
const section = <Shape extends z.ZodRawShape>(shape: Shape) => z.object({ enabled: z.boolean(), ...shape }).strict();

export const reportTemplateSchema = z
  .object({
    name: z.string().min(1).max(64),
    version: z.number().int().min(1),
    title: z.string().min(1).max(200),
    read: z.object({ maxLogs: count(500_000), maxSpans: count(100_000), pageSize: count(100_000) }).strict(),
    sections: z
      .object({
        summary: section({}),
        errorGroups: section({ maxGroups: count(1000), topFrames: count(50) }),
        stackTraces: section({ maxTraces: count(500), maxFrames: count(500) }),
        failingRequests: section({ maxRequests: count(1000), minStatus: z.number().int().min(100).max(999), maxBodyChars: count(65_536) }),
        traceTree: section({ maxTraces: count(100), maxSpansPerTrace: count(5000) }),
        breadcrumbs: section({ maxErrors: count(500), perError: count(200), windowSeconds: count(86_400) }),
        screenshots: section({ maxScreenshots: count(500) }),
        timeline: section({ maxEvents: count(10_000) }),
      })
      .strict(),
  })
  .strict();
export type ReportTemplate = z.infer<typeof reportTemplateSchema>;
export type ReportSectionName = keyof ReportTemplate['sections'];
