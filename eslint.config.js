import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'node_modules/**', 'test/fixtures/conformance/**', 'bench/results/**']
  }),
  {
    files: ['**/*.ts'],
    rules: {
      // `for await (const _ of source)` drains a stream; `_`-prefixed names are meant unused
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_', caughtErrors: 'none' }]
    }
  },
  {
    rules: {
      // `void promise` marks a deliberately unawaited promise
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]
