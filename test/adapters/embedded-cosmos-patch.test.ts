// The embedded Cosmos compiles each SQL query to JavaScript. Unpatched, that code copies its accumulator once per
// document (`[...$, {c}]` inside a reduce), so one query page over a 60,000-document container took over a
// minute and the report of a 50k-log session timed out. `patches/@zeit+cosmosdb-query+0.7.2.patch`
// (applied by `postinstall` through patch-package) makes it push instead. This checks the patch is in place
// in the installed copy and that the compiled queries still answer as before.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const requireFromServer = createRequire(require.resolve('@vercel/cosmosdb-server'));
const compileQuery = (requireFromServer('@zeit/cosmosdb-query') as { default: (sql: string) => CompiledQuery }).default;

interface CompiledQuery {
  code: string;
  exec(documents: unknown[], options?: { parameters?: { name: string; value: unknown }[]; maxItemCount?: number }): { result: unknown[] };
}

const documents = [
  { id: 'a', _rid: '1', pk: 'p1', level: 'error', tags: [{ name: 't1' }, { name: 't2' }], optional: [1, undefined, 2] },
  { id: 'b', _rid: '2', pk: 'p1', level: 'info', tags: [] },
  { id: 'c', _rid: '3', pk: 'p2', level: 'error', tags: [{ name: 't3' }] },
];

describe('embedded Cosmos query compiler (patched)', () => {
  it('compiles FROM and JOIN without copying the accumulator per document', () => {
    for (const sql of ['SELECT * FROM c WHERE c.pk = @pk', 'SELECT t.name FROM c JOIN t IN c.tags', 'SELECT c.id FROM c.tags[0] c']) {
      const { code } = compileQuery(sql);
      expect(code, sql).not.toContain('[...$');
      expect(code, sql).toContain('$.push(');
    }
  });

  it('still filters, joins, pages and strips undefined array entries as before', () => {
    const byPartition = compileQuery('SELECT c.id FROM c WHERE c.pk = @pk AND c.level = @level');
    expect(
      byPartition.exec(documents, {
        parameters: [
          { name: '@pk', value: 'p1' },
          { name: '@level', value: 'error' },
        ],
      }).result,
    ).toEqual([{ id: 'a' }]);

    const joined = compileQuery('SELECT c.id, t.name FROM c JOIN t IN c.tags');
    expect(joined.exec(documents).result).toEqual([
      { id: 'a', name: 't1' },
      { id: 'a', name: 't2' },
      { id: 'c', name: 't3' },
    ]);

    const paged = compileQuery('SELECT c.id FROM c').exec(documents, { maxItemCount: 2 });
    expect(paged.result).toEqual([{ id: 'a' }, { id: 'b' }]);

    const withUndefined = compileQuery('SELECT VALUE c.optional FROM c WHERE c.id = "a"').exec(documents);
    expect(withUndefined.result).toEqual([[1, 2]]);
  });
});
