import { createRequire } from 'node:module';

/**
 * A `require` that resolves from this package's own location, for optional peers looked up
 * synchronously (`@opentelemetry/api`). This is the ES module variant; the CommonJS build compiles
 * `own-require.cjs.ts` in its place (its tsconfig sets `moduleSuffixes`), so the CommonJS code never
 * contains `import.meta`. The two variants export the same name with the same type.
 * @internal
 */
export const ownRequire: NodeJS.Require = createRequire(import.meta.url);
