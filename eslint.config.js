// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      '**/generated/**',
      'supergraph/**',
      'bin/**',
      'drizzle/migrations/**',
      'clients/web/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Configuration is read in one place: packages/config. Everything else receives typed config.
      'no-process-env': 'error',
    },
  },
  {
    files: [
      'packages/config/src/**/*.ts',
      'packages/testkit/src/**/*.ts',
      'codegen.ts',
      'drizzle/drizzle.config.ts',
    ],
    rules: { 'no-process-env': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.e2e.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['eslint.config.js', '.dependency-cruiser.js', 'bench/*.mjs', 'e2e/fixtures/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
