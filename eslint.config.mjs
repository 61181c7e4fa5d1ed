import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'lib/**',
      'build/**',
      'layerwise/labextension/**',
      'layerwise/backend/**',
      '.venv/**',
      'ui-tests/node_modules/**',
      'ui-tests/test-results/**',
      'ui-tests/playwright-report/**',
      '.stryker-tmp/**',
      'reports/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off'
    }
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fs', 'node:*', 'http', 'https', 'path', '../backend/*', '../lab/*'],
              message: 'The engine is pure computation: no file system, network or DOM.'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['src/figures/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'fs',
                'node:*',
                'http',
                'https',
                'path',
                'plotly*',
                '../backend/*',
                '../lab/*'
              ],
              message:
                'Figures are plain Plotly specs shared by the panel and the report: no DOM, Node or Plotly.'
            }
          ]
        }
      ]
    }
  }
);
