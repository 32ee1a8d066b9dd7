// What CI reports after re-running the scenario of a diagnosed problem: the wire schema of a regression run.
import { z } from 'zod';
import { sessionIdSchema } from '../sessions/session';
import { regressionResultSchema, reportIdSchema } from './report-record';

export const regressionRequestSchema = z
  .object({
    /** CI's own run id: reporting the same run again changes nothing. */
    runId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w.:/-]+$/, 'letters, digits and . : / - _ only'),
    commit: z
      .string()
      .min(4)
      .max(64)
      .regex(/^[\w.-]+$/, 'a commit hash or tag'),
    result: regressionResultSchema,
    /** Where the run can be seen (CI build page). */
    link: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    sessionId: sessionIdSchema.optional(),
    reportId: reportIdSchema.optional(),
  })
  .strict()
  .refine((input) => (input.sessionId === undefined) !== (input.reportId === undefined), {
    message: 'give exactly one of sessionId or reportId',
    path: ['sessionId'],
  });
export type RegressionRequest = z.infer<typeof regressionRequestSchema>;
