// ESLint (flat config): typescript-eslint and eslint-plugin-vue, with Prettier owning layout
// (eslint-config-prettier turns off the rules it would fight). Import boundaries are checked by
// dependency-cruiser (.dependency-cruiser.cjs); `npm run lint` runs both and the Prettier check.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import vue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Every catch must do something: handle a named condition, or log/record the error with context. */
const noSilentCatch = {
  selector: 'CatchClause > BlockStatement[body.length=0]',
  message:
    'Silent catch: handle a named condition, or log/record the error once with context (errorText from src/shared/errors.ts).'
}
/** One way to turn a thrown value into text. */
const noHandMadeErrorText = {
  selector:
    "ConditionalExpression[test.operator='instanceof'][test.right.name='Error'] > MemberExpression.consequent[property.name='message']",
  message:
    'Use errorText(error) from src/shared/errors.ts instead of error instanceof Error ? error.message : ...'
}
const oneErrorText = {
  selector:
    'MemberExpression[property.name="message"] > TSAsExpression[typeAnnotation.typeName.name="Error"]',
  message: 'Use errorText(error) from src/shared/errors.ts instead of (error as Error).message.'
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'release/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'resources/**',
      // deliberately broken files that prove the lint and boundary rules bite
      'test/boundaries/src/**',
      'test/boundaries/lint/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } }
  },
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node }
    },
    rules: {
      'no-restricted-syntax': ['error', noSilentCatch, oneErrorText, noHandMadeErrorText],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_'
        }
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off'
    }
  },
  {
    files: ['src/renderer/**', 'test/support/renderer/**', 'test/bench/charts/**'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    // component stubs in tests declare only the props they record
    files: ['**/*.test.ts', 'test/**'],
    rules: { 'vue/require-prop-types': 'off', 'vue/one-component-per-file': 'off' }
  },
  {
    // the CLI launcher is CommonJS so it can check the Node version before any ESM loads
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  prettier
)
