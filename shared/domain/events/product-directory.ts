// Who owns each product and which app it is: tickets are labelled with them (`owner:…`, `app:…`) so a tracker
// finds every ticket of a team or an app, and an event that names no app (a report, a regression) still gets one.
import { z } from 'zod';

const labelText = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.@/-]+$/, 'letters, digits and . @ / - _ only (it becomes a label)');

export const productDirectorySchema = z.record(z.string().min(1).max(128), z.object({ owner: labelText.optional(), app: labelText.optional() }).strict());
export type ProductDirectory = z.infer<typeof productDirectorySchema>;

/** Parses the PRODUCT_DIRECTORY setting, e.g. `{"demo": {"owner": "team-payments", "app": "checkout-web"}}`; throws naming the path. */
export function parseProductDirectory(json: string | undefined): ProductDirectory {
  if (json === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('PRODUCT_DIRECTORY is not valid JSON');
  }
  const result = productDirectorySchema.safeParse(value);
  if (!result.success) throw new Error(`PRODUCT_DIRECTORY: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return result.data;
}
