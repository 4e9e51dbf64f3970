/**
 * Generates docs/options.md, the options reference, from the TSDoc of the package's public option
 * types, with the TypeScript compiler API: every type exported from lib/index.ts whose name ends in
 * `Options` (a new one is picked up by itself), plus the exported types their fields name (exchange,
 * binding, queue definitions ...). Per field: name, type, default (`@default`), description.
 *
 *   node scripts/docs-options.mjs            writes docs/options.md
 *   node scripts/docs-options.mjs --check    fails when docs/options.md differs from what the types say
 *   --root <dir>                             works on another checkout than this script's
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// --root <dir>: another checkout (the scripts' own tests run them on small fixtures).
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? process.argv[rootArg + 1] : join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'lib', 'index.ts');
const target = join(root, 'docs', 'options.md');

const program = ts.createProgram([entry], {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  experimentalDecorators: true,
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry));
if (moduleSymbol === undefined) throw new Error('lib/index.ts has no exports');

const oneLine = (text) => text.replace(/\s+/g, ' ').trim();
const cell = (text) => oneLine(text).replace(/\|/g, '\\|');
const posix = (path) => relative(root, path).split(sep).join('/');

/** name -> { symbol, declaration } for every exported interface or type alias. */
const exported = new Map();
for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
  const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const declaration = resolved.declarations?.find(
    (d) => ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d),
  );
  if (declaration !== undefined) exported.set(symbol.name, { symbol: resolved, declaration });
}

/**
 * The description and `@default` of a declaration, read from its TSDoc text rather than the compiler's
 * tag parser, which takes any `@Word` (a decorator named in prose) for a tag and cuts the text there.
 */
const BLOCK_TAG = /(?:^|\s)@(default|defaultValue|param|returns?|see|example|deprecated|remarks|internal|throws|typeParam)\b/;
function tsdocOf(node) {
  const docs = ts.getJSDocCommentsAndTags(node).filter((d) => ts.isJSDoc(d));
  const last = docs[docs.length - 1];
  if (last === undefined) return { doc: '', def: '' };
  const raw = last
    .getSourceFile()
    .text.slice(last.pos, last.end)
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .replace(/\{@link\s+([^}|\s]+)\s*(?:\|\s*([^}]*))?\}/g, (_m, name, text) => (text ? text.trim() : name));
  const first = BLOCK_TAG.exec(raw);
  const doc = oneLine(first === null ? raw : raw.slice(0, first.index));
  const defMatch = /(?:^|\s)@default(?:Value)?\b([\s\S]*)/.exec(raw);
  let def = '';
  if (defMatch !== null) {
    const rest = defMatch[1];
    const next = BLOCK_TAG.exec(rest);
    def = oneLine(next === null ? rest : rest.slice(0, next.index));
  }
  return { doc, def };
}

function docOf(symbol) {
  const node = symbol.valueDeclaration ?? symbol.declarations?.[0];
  return node === undefined ? '' : tsdocOf(node).doc;
}

function defaultOf(symbol) {
  const node = symbol.valueDeclaration ?? symbol.declarations?.[0];
  return node === undefined ? '' : tsdocOf(node).def;
}

/** The members written in the declaration (an interface's own, or an object type literal's). */
function membersOf(declaration) {
  if (ts.isInterfaceDeclaration(declaration)) return declaration.members;
  if (ts.isTypeAliasDeclaration(declaration) && ts.isTypeLiteralNode(declaration.type)) return declaration.type.members;
  return undefined;
}

function baseNames(declaration) {
  if (!ts.isInterfaceDeclaration(declaration)) return [];
  return (declaration.heritageClauses ?? []).flatMap((clause) => clause.types.map((t) => t.expression.getText()));
}

/** Exported type names a type node mentions. */
function referencedNames(node, into) {
  const visit = (n) => {
    if (ts.isTypeReferenceNode(n)) {
      const name = n.typeName.getText();
      if (exported.has(name)) into.add(name);
    }
    ts.forEachChild(n, visit);
  };
  if (node !== undefined) visit(node);
}

// The option types, then the exported types their fields (or bases) name, transitively.
const selected = [...exported.keys()].filter((name) => name.endsWith('Options'));
const seen = new Set(selected);
for (let i = 0; i < selected.length; i += 1) {
  const { declaration } = exported.get(selected[i]);
  const names = new Set();
  for (const member of membersOf(declaration) ?? []) referencedNames(member.type, names);
  for (const base of baseNames(declaration)) if (exported.has(base)) names.add(base);
  if (ts.isTypeAliasDeclaration(declaration) && membersOf(declaration) === undefined) referencedNames(declaration.type, names);
  for (const name of [...names].sort()) {
    const kind = exported.get(name).declaration;
    // Unions of literals (AckMode ...) read better inline; only object-like types get a section.
    if (!seen.has(name) && (membersOf(kind) !== undefined || ts.isTypeAliasDeclaration(kind))) {
      seen.add(name);
      selected.push(name);
    }
  }
}

const layer = (name) => (posix(exported.get(name).declaration.getSourceFile().fileName).startsWith('lib/protocol/') ? 'engine' : 'nest');
const anchor = (name) => name.toLowerCase();
const link = (text) => text.replace(/\b[A-Z][A-Za-z]+\b/g, (word) => (seen.has(word) ? `[${word}](#${anchor(word)})` : word));

/** A type as a table cell: code, with every documented type name a link to its section. */
function typeCell(type) {
  const parts = cell(type).split(/\b([A-Z][A-Za-z]+)\b/);
  let out = '';
  let code = '';
  parts.forEach((part, i) => {
    if (i % 2 === 1 && seen.has(part)) {
      if (code.trim() !== '') out += `\`${code.trim()}\``;
      else if (code !== '') out += ' ';
      out += `[\`${part}\`](#${anchor(part)})`;
      code = '';
    } else code += part;
  });
  if (code.trim() !== '') out += `\`${code.trim()}\``;
  return out;
}

function section(name) {
  const { symbol, declaration } = exported.get(name);
  const lines = [`### ${name}`, ''];
  const doc = docOf(symbol);
  if (doc !== '') lines.push(link(doc), '');
  lines.push(`Declared in \`${posix(declaration.getSourceFile().fileName)}\`.`, '');
  const bases = baseNames(declaration);
  if (bases.length > 0) lines.push(`Also takes every field of ${bases.map((b) => (seen.has(b) ? `[${b}](#${anchor(b)})` : `\`${b}\``)).join(', ')}.`, '');
  let members = membersOf(declaration);
  if (members === undefined) {
    const aliased = declaration.type;
    if (ts.isTypeReferenceNode(aliased) && exported.has(aliased.typeName.getText())) {
      lines.push(`The same as [${aliased.typeName.getText()}](#${anchor(aliased.typeName.getText())}).`, '');
      return lines;
    }
    const properties = checker.getPropertiesOfType(checker.getTypeAtLocation(declaration));
    if (ts.isUnionTypeNode(aliased) || properties.length === 0) {
      lines.push('```ts', `type ${name} = ${oneLine(aliased.getText())};`, '```', '');
      return lines;
    }
    members = properties.map((p) => p.valueDeclaration ?? p.declarations?.[0]).filter((d) => d !== undefined);
  }
  const rows = [];
  for (const member of members) {
    if (!ts.isPropertySignature(member) && !ts.isMethodSignature(member) && !ts.isPropertyDeclaration(member)) continue;
    const memberSymbol = checker.getSymbolAtLocation(member.name);
    if (memberSymbol === undefined) continue;
    const optional = member.questionToken !== undefined;
    const type = ts.isMethodSignature(member)
      ? oneLine(member.getText().replace(/\/\*\*[\s\S]*?\*\//g, '').replace(/;$/, ''))
      : oneLine(member.type?.getText() ?? checker.typeToString(checker.getTypeOfSymbol(memberSymbol)));
    const def = defaultOf(memberSymbol);
    rows.push(
      `| \`${member.name.getText()}\`${optional ? '' : ' (required)'} | ${typeCell(type)} | ${def === '' ? '' : def.includes('`') ? cell(def) : `\`${cell(def)}\``} | ${cell(link(docOf(memberSymbol)))} |`,
    );
  }
  if (rows.length === 0) lines.push('(no fields of its own)', '');
  else lines.push('| option | type | default | description |', '| --- | --- | --- | --- |', ...rows, '');
  return lines;
}

function render() {
  const nest = selected.filter((n) => layer(n) === 'nest');
  const engine = selected.filter((n) => layer(n) === 'engine');
  const out = [
    '# Options reference',
    '',
    '<!-- Generated by scripts/docs-options.mjs from the TSDoc of the exported option types. Do not edit by hand:',
    '     change the TSDoc in lib/ and run `npm run docs:options`. CI runs `npm run docs:options -- --check`. -->',
    '',
    'Every option of the package, as its types declare it. A field without a default is unset unless',
    'the description says otherwise. Types link to their own section.',
    '',
    '## Nest layer (`nestjs-amqp-transport`)',
    '',
    ...nest.map((n) => `- [${n}](#${anchor(n)})`),
    '',
    '## Engine (`nestjs-amqp-transport/protocol`)',
    '',
    ...engine.map((n) => `- [${n}](#${anchor(n)})`),
    '',
    '## Nest layer',
    '',
    ...nest.flatMap(section),
    '## Engine',
    '',
    ...engine.flatMap(section),
  ];
  while (out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}

const text = render();
if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error('docs/options.md is out of date with the TSDoc of the option types: run `npm run docs:options`');
    process.exit(1);
  }
  console.log(`docs/options.md is up to date (${selected.length} types)`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`docs/options.md written (${selected.length} types)`);
}
