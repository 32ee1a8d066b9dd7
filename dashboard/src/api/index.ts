// The one API client the pages share, signed in through auth/auth.ts.
import { tokenSource } from '../auth/auth';
import { ApiClient } from './client';

export const api = new ApiClient(tokenSource);
export { ApiError } from './client';
