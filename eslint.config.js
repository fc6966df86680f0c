import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      '**/dist',
      'out',
      'coverage',
      'test-results',
      'playwright-report',
      'test/fixtures',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // The core and the terminal SDK call server routes by name (callRoute, packages/terminal-sdk/src/
    // net/route-client.ts, over the route table protocol/http/routes.ts): a hand-written path would
    // bypass the table's schemas and auth (#17).
    files: ['src-main/**/*.ts', 'packages/terminal-sdk/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Literal[value=/^\\/(api|offline|auth)\\//]',
          message:
            'Call server routes by name with callRoute (packages/terminal-sdk/src/net/route-client.ts).',
        },
        {
          selector: 'TemplateElement[value.raw=/^\\/(api|offline|auth)\\//]',
          message:
            'Call server routes by name with callRoute (packages/terminal-sdk/src/net/route-client.ts).',
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts', 'packages/terminal-sdk/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'packages/terminal-sdk/src/net/route-client.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server-client', './server-client'],
              importNames: ['serverRequest'],
              message:
                'Call server routes by name with callRoute (packages/terminal-sdk/src/net/route-client.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
