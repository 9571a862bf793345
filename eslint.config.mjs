// Lint rules, including the architectural boundaries:
// - src/core and src/protocol import neither `vscode` nor the DOM;
// - webview/ never imports src/host.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const domGlobals = Object.keys(globals.browser).filter((name) => !(name in globals.node) && !(name in globals.es2021));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.e2e-cache/**', 'test-results/**', '.lacuna/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core and src/protocol must not import vscode.' }],
        patterns: [
          { group: ['**/host/**', '**/host'], message: 'src/core and src/protocol must not import src/host.' },
          { group: ['**/webview/**'], message: 'src/core and src/protocol must not import webview code.' },
        ],
      }],
      'no-restricted-globals': ['error', ...domGlobals.map((name) => ({ name, message: 'No DOM globals in src/core or src/protocol.' }))],
    },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview cannot import vscode.' }],
        patterns: [{ group: ['**/host/**', '**/host'], message: 'webview/ must never import src/host.' }],
      }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);
