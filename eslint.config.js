import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layered from './eslint/layered-imports.js';

/**
 * The layers of each folder, lowest first (eslint/layered-imports.js says how an entry reads): a file
 * imports only from its own layer and those below, type imports included.
 */
const LAYERS = [
  // The package: the engine below the Nest layer below the package's face.
  { root: 'lib', layers: ['protocol', 'transport', 'index.ts'] },
  // The engine.
  {
    root: 'lib/protocol',
    layers: [
      'errors/',
      { group: ['errors.ts', 'continuation.ts'] },
      'codec',
      { apart: ['parameters', 'diagnostics.ts'] },
      'io',
      'channel',
      'connection',
      'recovery',
      'index.ts',
    ],
  },
  // The Nest layer, by the way a message goes (docs/architecture.md): the three entry points on top,
  // none importing another.
  {
    root: 'lib/transport',
    layers: [
      { apart: ['compat', 'logging', 'core'] },
      'options',
      { apart: ['telemetry', 'decorators'] },
      'connection',
      'publish',
      'consume',
      'health',
      { apart: ['server', 'client', 'module'] },
      'index.ts',
    ],
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // `interface ConnectionEvents extends ConnectionEventsOf<Connection> {}` names a generic shape
      // in the class's own file (so the files below it need not import the class).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['lib/**/*.ts'],
    plugins: { layered },
    rules: { 'layered/imports': ['error', LAYERS] },
  },
  {
    // CommonJS on purpose (apps and checks that reach the package through require()).
    files: ['**/*.cjs', '**/*.cts'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
