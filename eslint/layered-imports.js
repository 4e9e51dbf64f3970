/**
 * A local ESLint plugin with one rule, `layered/imports`: imports run one way between the layers of
 * a folder. Each config names a root folder (relative to ESLint's cwd) and its layers, lowest first;
 * a file may import from its own layer and the layers below it, never from one above. Every import
 * counts: `import`, `import type`, `export ... from`, `export * from`, `import()` and `import('x').T`
 * types, as long as the specifier is relative (a package import is not the rule's business).
 *
 * A layer entry is
 *   - a string: a folder or a file of the root. `'codec'` is the folder codec/ and a file codec.ts;
 *     `'errors/'` only the folder; `'errors.ts'` only the file;
 *   - `{ group: [...] }`: several folders/files on one layer that may import each other;
 *   - `{ apart: [...] }`: several folders/files on one layer that may not import each other (each
 *     sits on the layers below, none on its sibling).
 * Files of the root that no entry names are not checked. Imports inside one entry are free.
 *
 *   rules: { 'layered/imports': ['error', [{ root: 'lib/protocol', layers: ['errors', 'codec', ...] }]] }
 */
import path from 'node:path';

const EXTENSIONS = /\.(?:d\.)?[cm]?[jt]sx?$/;

/** Root-relative, extension-less posix path of an absolute one; undefined when outside the root. */
function inside(rootAbs, fileAbs) {
  const rel = path.relative(rootAbs, fileAbs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

/** Does entry `name` take the root-relative path `rel` (with its extension)? */
function takes(name, rel) {
  const bare = rel.replace(EXTENSIONS, '');
  if (name.endsWith('/')) return rel.startsWith(name);
  if (EXTENSIONS.test(name)) return bare === name.replace(EXTENSIONS, '');
  return bare === name || rel.startsWith(`${name}/`);
}

/** The layers of one config as a flat list of { name, floor, kind } (kind: 'single' | 'group' | 'apart'). */
function placesOf(layers) {
  const places = [];
  layers.forEach((entry, floor) => {
    if (typeof entry === 'string') places.push({ name: entry, floor, kind: 'single' });
    else if (Array.isArray(entry?.group)) for (const name of entry.group) places.push({ name, floor, kind: 'group' });
    else if (Array.isArray(entry?.apart)) for (const name of entry.apart) places.push({ name, floor, kind: 'apart' });
    else throw new Error(`layered/imports: a layer is a string, { group: [...] } or { apart: [...] }; got ${JSON.stringify(entry)}`);
  });
  return places;
}

function placeOf(places, rel) {
  return places.find((place) => takes(place.name, rel));
}

function describe(place) {
  return place.name;
}

/** A layer as the message prints it: a group joined by '+', siblings kept apart by '|'. */
function layerText(entry) {
  if (typeof entry === 'string') return entry;
  return entry.group !== undefined ? entry.group.join(' + ') : entry.apart.join(' | ');
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports run one way between the layers of a folder (type imports included).' },
    schema: [
      {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            root: { type: 'string' },
            layers: { type: 'array' },
          },
          required: ['root', 'layers'],
          additionalProperties: false,
        },
      },
    ],
    messages: {
      upward:
        "'{{to}}' is in layer '{{toLayer}}', above '{{fromLayer}}' where this file is: in {{root}} a layer imports only its own and those below it ({{order}}).",
      sibling:
        "'{{to}}' is in '{{toLayer}}', a sibling that {{root}} keeps apart from '{{fromLayer}}': neither may import the other.",
    },
  },
  create(context) {
    const configs = context.options[0] ?? [];
    const cwd = context.cwd ?? process.cwd();
    const filename = context.filename ?? context.getFilename();
    const fileAbs = path.resolve(cwd, filename);
    const checks = [];
    for (const { root, layers } of configs) {
      const rootAbs = path.resolve(cwd, root);
      const rel = inside(rootAbs, fileAbs);
      if (rel === undefined) continue;
      const places = placesOf(layers);
      const from = placeOf(places, rel);
      if (from === undefined) continue;
      const order = layers.map(layerText).join(' < ');
      checks.push({ root, rootAbs, places, from, order });
    }
    if (checks.length === 0) return {};

    function check(node, source) {
      if (source === null || source === undefined || typeof source.value !== 'string') return;
      const spec = source.value;
      if (!spec.startsWith('./') && !spec.startsWith('../')) return;
      const targetAbs = path.resolve(path.dirname(fileAbs), spec);
      for (const { root, rootAbs, places, from, order } of checks) {
        const rel = inside(rootAbs, targetAbs);
        if (rel === undefined) continue;
        const to = placeOf(places, rel);
        if (to === undefined || to === from) continue;
        const data = { to: spec, toLayer: describe(to), fromLayer: describe(from), root, order };
        if (to.floor > from.floor) context.report({ node: source, messageId: 'upward', data });
        else if (to.floor === from.floor && (from.kind === 'apart' || to.kind === 'apart'))
          context.report({ node: source, messageId: 'sibling', data });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      // typescript-eslint 8 names the specifier `source`; older ones `argument.literal`.
      TSImportType: (node) => check(node, 'source' in node ? node.source : node.argument?.literal),
      TSExternalModuleReference: (node) => check(node, node.expression),
    };
  },
};

/** The plugin: `plugins: { layered }`, then `'layered/imports': ['error', configs]`. */
export default { meta: { name: 'layered' }, rules: { imports: rule } };
