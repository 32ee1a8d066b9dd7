// Route parameters and response shaping shared by the report endpoints.
import { z } from 'zod';
import { reportIdSchema } from '../domain/reports/report-record';
import { sessionIdSchema } from '../domain/sessions/session';

export const reportParamsSchema = z.object({ id: sessionIdSchema, reportId: reportIdSchema });
