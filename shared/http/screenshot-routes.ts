// Route parameters shared by the screenshot endpoints.
import { z } from 'zod';
import { screenshotIdSchema } from '../domain/screenshots/screenshot';
import { sessionIdSchema } from '../domain/sessions/session';

export const screenshotParamsSchema = z.object({ id: sessionIdSchema, screenshotId: screenshotIdSchema });
