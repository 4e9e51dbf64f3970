/**
 * The CommonJS variant of `own-require.ts`: the module's own `require` (the CommonJS build resolves
 * `./own-require.js` to this file through `moduleSuffixes`; the build renames its output to
 * `own-require.js`). No `import.meta` here: a CommonJS module cannot parse it.
 * @internal
 */
export const ownRequire: NodeJS.Require = require;
