#!/usr/bin/env node
// Generates lib/protocol/codec/spec.generated.ts from RabbitMQ's machine-readable AMQP 0-9-1 spec:
// constants, reply codes, class and method ids, one interface per method, the method table, and
// straight-line encode/decode functions per method (no descriptor is interpreted at run time).
//
//   node scripts/generate-spec.mjs                 write the file
//   node scripts/generate-spec.mjs --check         regenerate in memory and diff against the committed file
//   node scripts/generate-spec.mjs --spec <path>   read another spec file (also env AMQP_SPEC)
//   node scripts/generate-spec.mjs --out <path>    write (or --check) another output file
//
// Exit codes: 0 ok, 1 the committed file differs (--check), 2 the spec file is missing or unreadable.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--out');
const outFile = path.resolve(
  outIdx >= 0 && argv[outIdx + 1]
    ? argv[outIdx + 1]
    : path.join(root, 'lib/protocol/codec/spec.generated.ts'),
);

const check = argv.includes('--check');
const specIdx = argv.indexOf('--spec');
const specPath = path.resolve(
  specIdx >= 0 && argv[specIdx + 1]
    ? argv[specIdx + 1]
    : (process.env.AMQP_SPEC ?? path.join(root, '../shared/spec/amqp-rabbitmq-0.9.1.json')),
);

if (!existsSync(specPath)) {
  console.error(
    `generate-spec: spec file not found: ${specPath}\n` +
      'Pass --spec <path> (or set AMQP_SPEC) to point at amqp-rabbitmq-0.9.1.json.',
  );
  process.exit(2);
}
let spec;
try {
  spec = JSON.parse(readFileSync(specPath, 'utf8'));
} catch (err) {
  console.error(`generate-spec: cannot read ${specPath}: ${err.message}`);
  process.exit(2);
}

const output = generate(spec);

if (check) {
  const committed = existsSync(outFile) ? readFileSync(outFile, 'utf8') : null;
  if (committed === output) {
    console.log(`spec:check: ${path.relative(root, outFile)} matches the generator's output`);
    process.exit(0);
  }
  if (committed === null) {
    console.error(
      `spec:check: ${path.relative(root, outFile)} does not exist; run \`npm run spec:generate\``,
    );
    process.exit(1);
  }
  const a = committed.split('\n');
  const b = output.split('\n');
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line++;
  console.error(
    `spec:check: ${path.relative(root, outFile)} differs from the generator's output (first difference at line ${line + 1}):\n` +
      `  committed: ${a[line] ?? '<end of file>'}\n` +
      `  generated: ${b[line] ?? '<end of file>'}\n` +
      'Do not edit the generated file by hand: change scripts/generate-spec.mjs and run `npm run spec:generate`.',
  );
  process.exit(1);
}
writeFileSync(outFile, output);
console.log(`generate-spec: wrote ${path.relative(root, outFile)} from ${specPath}`);

// ------------------------------------------------------------------------------------------------

function pascal(s) {
  return s
    .split(/[-_ ]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
function camel(s) {
  const p = pascal(s);
  return p.charAt(0).toLowerCase() + p.slice(1);
}
function constName(s) {
  return s.toUpperCase().replace(/-/g, '_');
}
function hex(n) {
  return '0x' + n.toString(16).padStart(8, '0');
}

function generate(spec) {
  const domains = new Map(spec.domains.map(([name, type]) => [name, type]));
  const resolve = (arg) => {
    let t = arg.type ?? arg.domain;
    const seen = new Set();
    while (domains.has(t) && domains.get(t) !== t && !seen.has(t)) {
      seen.add(t);
      t = domains.get(t);
    }
    if (
      !['bit', 'octet', 'short', 'long', 'longlong', 'shortstr', 'longstr', 'table', 'timestamp'].includes(t)
    ) {
      throw new Error(`unknown AMQP type "${t}" for argument ${arg.name}`);
    }
    return t;
  };

  const methods = [];
  for (const cls of spec.classes) {
    for (const m of cls.methods) {
      const id = (cls.id << 16) | m.id;
      methods.push({
        cls,
        m,
        id,
        name: `${cls.name}.${m.name}`,
        type: pascal(cls.name) + pascal(m.name),
        args: m.arguments.map((a) => ({
          name: a.name,
          field: camel(a.name),
          type: resolve(a),
          def: a['default-value'],
        })),
        synchronous: m.synchronous === true,
        content: m.content === true,
      });
    }
  }
  const byName = new Map(methods.map((x) => [x.name, x]));
  // The JSON has no <response> elements: a synchronous request is answered by "<name>-ok" of its class,
  // and basic.get may also be answered by basic.get-empty (the XML spec's second <response>).
  for (const x of methods) {
    x.responses = [];
    if (!x.synchronous) continue;
    const ok = byName.get(`${x.name}-ok`);
    if (ok) x.responses.push(ok.id);
    if (x.name === 'basic.get') x.responses.push(byName.get('basic.get-empty').id);
  }

  const L = [];
  const out = (s = '') => L.push(s);

  out('// GENERATED FILE - DO NOT EDIT.');
  out('// Generated by scripts/generate-spec.mjs from amqp-rabbitmq-0.9.1.json (RabbitMQ codegen);');
  out(
    '// change the generator and run `npm run spec:generate`. `npm run spec:check` fails when this file drifts.',
  );
  out('//');
  out('// The spec this file is generated from carries the following notice:');
  out('//');
  for (const line of spec.copyright.join('').replace(/\n$/, '').split('\n')) out(`// ${line}`.trimEnd());
  out('/* eslint-disable */');
  out('');
  out("import { FrameError } from '../errors.js';");
  out("import { decodeFieldTable, fieldTableSize, writeFieldTable } from './field-table.js';");
  out("import type { FieldTable } from './field-table.js';");
  out('import {');
  out('  checkBit,');
  out('  checkLong,');
  out('  checkLongLong,');
  out('  checkOctet,');
  out('  checkShort,');
  out('  cursor,');
  out('  longStrLength,');
  out('  readLongStr,');
  out('  readShortStr,');
  out('  readU16,');
  out('  readU32,');
  out('  readU64,');
  out('  shortStrLength,');
  out('  truncated,');
  out('  writeLongStr,');
  out('  writeShortStr,');
  out('  writeU16,');
  out('  writeU32,');
  out('  writeU64,');
  out("} from './primitives.js';");
  out('');
  out(`/** Protocol version this table describes. */`);
  out(
    `export const PROTOCOL_VERSION = { major: ${spec['major-version']}, minor: ${spec['minor-version']}, revision: ${spec.revision} } as const;`,
  );
  out(`/** The IANA-assigned AMQP port. */`);
  out(`export const DEFAULT_PORT = ${spec.port};`);
  out('');

  // constants
  const replyCodes = [];
  for (const c of spec.constants) {
    if (c.class) replyCodes.push(c);
    else out(`export const ${constName(c.name)} = ${c.value};`);
  }
  out('');
  out('/** Every reply code the spec defines (soft errors close a channel, hard errors the connection). */');
  out('export const ReplyCode = {');
  for (const c of replyCodes) out(`  ${constName(c.name)}: ${c.value},`);
  out('} as const;');
  out('');
  out('/** Reply codes that close the whole connection. */');
  out(
    `export const HARD_ERROR_CODES: ReadonlySet<number> = new Set([${replyCodes
      .filter((c) => c.class === 'hard-error')
      .map((c) => c.value)
      .join(', ')}]);`,
  );
  out('/** Reply codes that close only the channel. */');
  out(
    `export const SOFT_ERROR_CODES: ReadonlySet<number> = new Set([${replyCodes
      .filter((c) => c.class === 'soft-error')
      .map((c) => c.value)
      .join(', ')}]);`,
  );
  out('');

  out('/** Class ids by class name. */');
  out('export const ClassId = {');
  for (const cls of spec.classes) out(`  ${cls.name}: ${cls.id},`);
  out('} as const;');
  out('');
  out('/** Method ids (`classId << 16 | methodId`) by PascalCase `ClassMethod` name. */');
  out('export const MethodId = {');
  for (const x of methods) out(`  ${x.type}: ${hex(x.id)}, // ${x.cls.id} ${x.m.id}`);
  out('} as const;');
  out('');

  // interfaces
  const tsType = {
    bit: 'boolean',
    octet: 'number',
    short: 'number',
    long: 'number',
    longlong: 'number',
    timestamp: 'number',
    shortstr: 'string',
    longstr: 'string',
    table: 'FieldTable',
  };
  for (const x of methods) {
    out(
      `/** ${x.name} (${x.cls.id}, ${x.m.id})${x.synchronous ? ', synchronous' : ''}${x.content ? ', carries content' : ''}. */`,
    );
    if (x.args.length === 0) {
      out(`export interface ${x.type} {}`);
      continue;
    }
    out(`export interface ${x.type} {`);
    for (const a of x.args) {
      const t = a.type === 'longstr' ? 'string' : tsType[a.type];
      out(`  ${a.field}: ${t};`);
    }
    out('}');
  }
  out('');
  out(
    '/** Arguments by method name. Long strings decode as strings; encoders also take a Buffer for them. */',
  );
  out('export interface MethodArgs {');
  for (const x of methods) out(`  '${x.name}': ${x.type};`);
  out('}');
  out('');
  out('/** Every method name, e.g. `basic.publish`. */');
  out('export type MethodName = keyof MethodArgs;');
  out('');
  out('/** A decoded method; `switch (m.name)` narrows `m.args`. */');
  out(
    'export type AnyMethod = { [N in MethodName]: { id: number; name: N; args: MethodArgs[N] } }[MethodName];',
  );
  out('');
  out(
    '/** Encoder input by method name: every field optional (spec default, else 0 / false / empty); long strings may be Buffers. */',
  );
  out('export interface EncodeArgsMap {');
  for (const x of methods) {
    const fields = x.args.map(
      (a) => `${a.field}?: ${a.type === 'longstr' ? 'string | Buffer' : tsType[a.type]}`,
    );
    out(`  '${x.name}': { ${fields.join('; ')}${fields.length ? ' ' : ''}};`.replace('{ }', '{}'));
  }
  out('}');
  out('');
  out('/** Encoder input for one method (a `Partial<MethodArgs[N]>` is accepted as is). */');
  out('export type EncodeArgs<N extends MethodName> = EncodeArgsMap[N];');
  out('');

  // method info
  out('/** Static facts about one method. */');
  out('export interface MethodInfo {');
  out('  id: number;');
  out('  name: MethodName;');
  out('  classId: number;');
  out('  methodId: number;');
  out('  /** The spec marks it synchronous: a request that expects one of `responses` (unless nowait). */');
  out('  synchronous: boolean;');
  out('  /** Followed by a content header and body frames. */');
  out('  hasContent: boolean;');
  out('  /** Ids of the methods that answer it. */');
  out('  responses: number[];');
  out('}');
  out('');
  out('/** Method facts by method id. */');
  out('export const METHOD_INFO: Record<number, MethodInfo> = {');
  for (const x of methods) {
    out(
      `  ${hex(x.id)}: { id: ${hex(x.id)}, name: '${x.name}', classId: ${x.cls.id}, methodId: ${x.m.id}, synchronous: ${x.synchronous}, hasContent: ${x.content}, responses: [${x.responses.map(hex).join(', ')}] },`,
    );
  }
  out('};');
  out('');
  out('/** Method ids by method name. */');
  out('export const METHOD_ID_BY_NAME: Record<MethodName, number> = {');
  for (const x of methods) out(`  '${x.name}': ${hex(x.id)},`);
  out('};');
  out('');
  out('/** Argument descriptors as the spec gives them: for tools and tests, never for the hot path. */');
  out('export const METHOD_FIELDS: Record<MethodName, ReadonlyArray<{ name: string; type: string }>> = {');
  for (const x of methods) {
    out(`  '${x.name}': [${x.args.map((a) => `{ name: '${a.field}', type: '${a.type}' }`).join(', ')}],`);
  }
  out('};');
  out('');
  const basic = spec.classes.find((c) => c.name === 'basic');
  out('/** The basic class content properties in flag order (first = bit 15). For tools and tests. */');
  out(
    `export const BASIC_PROPERTY_FIELDS: ReadonlyArray<{ name: string; type: string }> = [${basic.properties
      .map((p) => `{ name: '${camel(p.name)}', type: '${resolve(p)}' }`)
      .join(', ')}];`,
  );
  out('');

  // encoders
  const fixedSize = { octet: 1, short: 2, long: 4, longlong: 8, timestamp: 8 };
  const check = {
    octet: 'checkOctet',
    short: 'checkShort',
    long: 'checkLong',
    longlong: 'checkLongLong',
    timestamp: 'checkLongLong',
  };
  const defLiteral = (a) => {
    if (a.def !== undefined && !(a.type === 'table')) return JSON.stringify(a.def).replace(/"/g, "'");
    switch (a.type) {
      case 'bit':
        return 'false';
      case 'shortstr':
      case 'longstr':
        return "''";
      case 'table':
        return '{}';
      default:
        return '0';
    }
  };

  for (const x of methods) {
    const lines = [];
    const push = (s) => lines.push(`  ${s}`);
    let fixed = 12; // 7 frame header + 4 class/method + 1 frame end
    const variable = [];
    let bits = 0;
    x.args.forEach((a, i) => {
      const v = `f${i}`;
      const what = `'${x.name} ${a.field}'`;
      const src = `a.${a.field} ?? ${defLiteral(a)}`;
      if (a.type === 'bit') {
        push(`const ${v} = checkBit(${src}, ${what});`);
        if (bits % 8 === 0) fixed += 1;
        bits++;
        return;
      }
      bits = 0;
      if (fixedSize[a.type]) {
        push(`const ${v} = ${check[a.type]}(${src}, ${what});`);
        fixed += fixedSize[a.type];
      } else if (a.type === 'shortstr') {
        push(`const ${v} = ${src};`);
        push(`const ${v}n = shortStrLength(${v}, ${what});`);
        fixed += 1;
        variable.push(`${v}n`);
      } else if (a.type === 'longstr') {
        push(`const ${v} = ${src};`);
        push(`const ${v}n = longStrLength(${v}, ${what});`);
        fixed += 4;
        variable.push(`${v}n`);
      } else if (a.type === 'table') {
        push(`const ${v} = ${src};`);
        push(`const ${v}n = fieldTableSize(${v}, ${what});`);
        variable.push(`${v}n`);
      }
    });
    push(`const size = ${[fixed, ...variable].join(' + ')};`);
    push('const buf = Buffer.allocUnsafe(size);');
    push('buf[0] = 1;');
    push('writeU16(buf, 1, channel);');
    push('writeU32(buf, 3, size - 8);');
    push(`writeU32(buf, 7, ${hex(x.id)});`);
    if (x.args.length > 0) push('let o = 11;');
    // write
    let i = 0;
    while (i < x.args.length) {
      const a = x.args[i];
      const v = `f${i}`;
      if (a.type === 'bit') {
        const group = [];
        while (i < x.args.length && x.args[i].type === 'bit' && group.length < 8) group.push(`f${i++}`);
        push(
          `buf[o++] = ${group.map((g, k) => (k === 0 ? `(${g} ? 1 : 0)` : `(${g} ? ${1 << k} : 0)`)).join(' | ')};`,
        );
        continue;
      }
      switch (a.type) {
        case 'octet':
          push(`buf[o++] = ${v};`);
          break;
        case 'short':
          push(`o = writeU16(buf, o, ${v});`);
          break;
        case 'long':
          push(`o = writeU32(buf, o, ${v});`);
          break;
        case 'longlong':
        case 'timestamp':
          push(`o = writeU64(buf, o, ${v});`);
          break;
        case 'shortstr':
          push(`o = writeShortStr(buf, o, ${v}, ${v}n);`);
          break;
        case 'longstr':
          push(`o = writeLongStr(buf, o, ${v}, ${v}n);`);
          break;
        case 'table':
          push(`o = writeFieldTable(buf, o, ${v});`);
          break;
      }
      i++;
    }
    push('buf[size - 1] = 0xce;');
    push('return buf;');
    const aName = x.args.length === 0 ? '_a' : 'a';
    out(`/** Encodes a whole ${x.name} method frame. @internal */`);
    out(`export function encode${x.type}(channel: number, ${aName}: EncodeArgs<'${x.name}'>): Buffer {`);
    for (const l of lines) out(l);
    out('}');
    out('');
  }

  out('/** Whole-frame encoders by method name. @internal */');
  out(
    'export const METHOD_ENCODERS: { [N in MethodName]: (channel: number, args: EncodeArgs<N>) => Buffer } = {',
  );
  for (const x of methods) out(`  '${x.name}': encode${x.type},`);
  out('};');
  out('');

  // decoders
  for (const x of methods) {
    const lines = [];
    const push = (s) => lines.push(`  ${s}`);
    let i = 0;
    const fields = [];
    while (i < x.args.length) {
      const a = x.args[i];
      const v = `f${i}`;
      const what = `'${x.name} ${a.field}'`;
      if (a.type === 'bit') {
        const group = [];
        while (i < x.args.length && x.args[i].type === 'bit' && group.length < 8) group.push(i++);
        push(`if (o >= end) truncated(${what}, o);`);
        push(`const b${group[0]} = buf[o++] as number;`);
        group.forEach((g, k) => {
          push(`const f${g} = (b${group[0]} & ${1 << k}) !== 0;`);
          fields.push(`${x.args[g].field}: f${g}`);
        });
        continue;
      }
      switch (a.type) {
        case 'octet':
          push(`if (o >= end) truncated(${what}, o);`);
          push(`const ${v} = buf[o++] as number;`);
          break;
        case 'short':
          push(`if (o + 2 > end) truncated(${what}, o);`);
          push(`const ${v} = readU16(buf, o);`);
          push('o += 2;');
          break;
        case 'long':
          push(`if (o + 4 > end) truncated(${what}, o);`);
          push(`const ${v} = readU32(buf, o);`);
          push('o += 4;');
          break;
        case 'longlong':
        case 'timestamp':
          push(`if (o + 8 > end) truncated(${what}, o);`);
          push(`const ${v} = readU64(buf, o, ${what});`);
          push('o += 8;');
          break;
        case 'shortstr':
          push(`const ${v} = readShortStr(buf, o, end, ${what});`);
          push('o = cursor.pos;');
          break;
        case 'longstr':
          push(`const ${v} = readLongStr(buf, o, end, ${what});`);
          push('o = cursor.pos;');
          break;
        case 'table':
          push(`const ${v} = decodeFieldTable(buf, o, end);`);
          push('o = cursor.pos;');
          break;
      }
      fields.push(`${a.field}: ${v}`);
      i++;
    }
    push(
      `if (o !== end) throw new FrameError('${x.name}: ' + (end - o) + ' unexpected bytes after the last argument', 502, { offset: o });`,
    );
    push(`return { ${fields.join(', ')} };`);
    out(`/** Decodes ${x.name} arguments from \`buf[o..end)\`. @internal */`);
    out(`export function decode${x.type}(buf: Buffer, o: number, end: number): ${x.type} {`);
    for (const l of lines) out(l);
    out('}');
    out('');
  }

  out('/**');
  out(' * Decodes a method payload (class and method ids included) from `buf[o..end)`. Throws FrameError');
  out(' * 502 on a short or over-long payload, 503 on an unknown class or method. @internal');
  out(' */');
  out('export function decodeMethod(buf: Buffer, o: number, end: number): AnyMethod {');
  out("  if (o + 4 > end) truncated('method class and method id', o);");
  out('  const id = readU32(buf, o);');
  out('  o += 4;');
  out('  switch (id) {');
  for (const x of methods) {
    out(`    case ${hex(x.id)}:`);
    out(`      return { id, name: '${x.name}', args: decode${x.type}(buf, o, end) };`);
  }
  out('    default:');
  out(
    '      throw new FrameError(`unknown method: class ${id >>> 16}, method ${id & 0xffff}`, 503, { offset: o - 4 });',
  );
  out('  }');
  out('}');

  return L.join('\n') + '\n';
}
