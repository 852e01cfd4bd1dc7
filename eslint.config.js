// typescript-eslint's recommended rules (no type information: fast, run by the validate job as `npm run lint`).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'artifacts/', '.cache/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // The harness parses JSON and guest output into loosely typed shapes in places, and tests use `any` for them.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
