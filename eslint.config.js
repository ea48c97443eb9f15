// @ts-check
/**
 * Lint: typescript-eslint's recommended rules (formatting is Prettier's), plus the boundaries
 * the architecture keeps (docs/ARCHITECTURE.md).
 */
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.output/', '.wxt/', '.tmp/', 'data/', 'coverage/', 'server/db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The extension puts text in host pages and its own, never markup: what addons.mozilla.org's
    // linter would flag, and what lets scripts/lint-firefox.ts accept Preact's innerHTML path.
    files: ['extension/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx', 'extension/e2e/**', 'extension/hosts/__fixtures__/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'Render text, not HTML (store review flags it).' },
        {
          selector: 'AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]',
          message: 'Set textContent or build nodes, not HTML.',
        },
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: 'Build nodes, not HTML.' },
      ],
      'no-restricted-properties': ['error', { object: 'document', property: 'write', message: 'Build nodes, not HTML.' }],
    },
  },
  {
    // Tests read loosely typed JSON from the server they drive.
    files: ['**/*.test.ts', '**/*.test.tsx', 'extension/e2e/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
