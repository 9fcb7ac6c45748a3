// Lint: typescript-eslint's type-aware recommended rules over the app, its migrations, tests and
// benchmarks (`npm run lint`, part of `npm run check`); zero warnings allowed.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'public/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks what is left out on purpose (`{ code: _code, ...rest }`, `_next`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
  // A wave's lifecycle lives in src/series/wave-rules.ts: nowhere else compares a wave's status.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/series/**', 'src/feedback/project-rules.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "BinaryExpression[operator=/^[!=]==?$/] > MemberExpression[property.name='status'][object.property.name='wave']",
          message: 'Ask src/series/wave-rules.ts (isEditable, isOpen, hasResults, isPublished…) instead.',
        },
        {
          selector:
            "BinaryExpression[operator=/^[!=]==?$/] > MemberExpression[property.name='status'][object.name=/^(w|wave|waves?)$/]",
          message: 'Ask src/series/wave-rules.ts (isEditable, isOpen, hasResults, isPublished…) instead.',
        },
        {
          selector:
            "BinaryExpression[operator=/^[!=]==?$/] > MemberExpression[property.name='status'][object.name=/^(p|project|input)$/]",
          message: 'Ask src/feedback/project-rules.ts (takesFeedback, hasPublicPage) instead.',
        },
      ],
    },
  },
  // Tests read JSON answers (supertest's `body`, JSON.parse) as `any` and check their shape by
  // assertion: typing every answer again in the test would restate the app's types, not test them.
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // Migrations take `Kysely<any>`, as Kysely documents: they must not depend on today's schema type.
  { files: ['migrations/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
)
