// Lint with type information: the rules that matter here (floating and misused promises) need the types.
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'image/**', 'scripts/**', 'types/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['app/**/*.ts', 'services/**/*.ts', 'web/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // No unhandled promise: every background task is awaited, returned or has its .catch.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A swallowed error says why: an empty catch block or an empty `.catch(() => {})` needs a comment inside.
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-empty-function': 'error'
    }
  }
)
