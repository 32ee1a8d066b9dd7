// Query-string building blocks shared by list endpoints: lists, page sizes, times.
import { z } from 'zod';

/** Accepts `?x=a&x=b` and `?x=a,b` alike. */
export function queryList<Item extends z.ZodType>(item: Item, maxItems = 20) {
  return z.preprocess((value) => {
    if (value === undefined || value === '') return undefined;
    const values = Array.isArray(value) ? value : [value];
    return values
      .flatMap((entry) => String(entry).split(','))
      .map((entry) => entry.trim())
      .filter(Boolean);
  }, z.array(item).max(maxItems).optional());
}

export const pageSizeSchema = z.coerce.number().int().min(1).max(100).default(25);
export const continuationTokenSchema = z.string().max(4096).optional();
export const isoTimeSchema = z.iso.datetime({ offset: true });
