// ESLint (`npm run lint`): the recommended JavaScript and TypeScript rules, plus the few this codebase relies on.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'sdk/dist/**',
      'interop/python-otel/.venv/**',
      'interop/java-otel/target/**',
      'sdk-kotlin/target/**',
      'shared/domain/masking/wasm/text-scan-wasm.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node, fetch: 'readonly' } },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring a field away, a handler's ignored argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Non-null assertions are allowed where an index or a schema guarantees the value (see noUncheckedIndexedAccess).
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  {
    // Tests read whatever JSON a response or a third-party stand-in carried, and assert on its shape.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
