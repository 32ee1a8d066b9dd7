// Loads config/plugins/debug/report_template.yaml once per process, validated with zod: a broken template
// fails the first report loudly, naming the field, instead of producing a half report.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { reportTemplateSchema, type ReportTemplate } from '../domain/reports/template';

export const REPORT_TEMPLATE_FILE = path.join('config', 'plugins', 'debug', 'report_template.yaml');

/** The project root from here, in the sources (shared/config) and in the build (dist/shared/config) alike. */
function findTemplateFile(): string {
  for (let folder = __dirname, depth = 0; depth < 6; folder = path.dirname(folder), depth++) {
    const candidate = path.join(folder, REPORT_TEMPLATE_FILE);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${REPORT_TEMPLATE_FILE} not found above ${__dirname}`);
}

export function parseReportTemplate(text: string): ReportTemplate {
  const result = reportTemplateSchema.safeParse(parse(text));
  if (!result.success) {
    throw new Error(`Invalid report template: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  }
  return Object.freeze(result.data);
}

let cached: ReportTemplate | undefined;

export function loadReportTemplate(file = findTemplateFile()): ReportTemplate {
  cached ??= parseReportTemplate(readFileSync(file, 'utf8'));
  return cached;
}
