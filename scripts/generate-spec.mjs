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
//
// The spec is read and modelled in scripts/spec/load-spec.mjs; each part of the output is written by
// one scripts/spec/emit-*.mjs, in the order generate() calls them.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec, specModel } from './spec/load-spec.mjs';
import { emitPreamble } from './spec/emit-preamble.mjs';
import { emitTypes } from './spec/emit-types.mjs';
import { emitTables } from './spec/emit-tables.mjs';
import { emitEncoders } from './spec/emit-encoders.mjs';
import { emitDecoders } from './spec/emit-decoders.mjs';

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

const loaded = loadSpec(specPath);
if (loaded.error !== undefined) {
  console.error(loaded.error);
  process.exit(2);
}

const output = generate(loaded.spec);

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

function generate(spec) {
  const model = specModel(spec);
  const L = [];
  const out = (s = '') => L.push(s);
  emitPreamble(out, model);
  emitTypes(out, model);
  emitTables(out, model);
  emitEncoders(out, model);
  emitDecoders(out, model);
  return L.join('\n') + '\n';
}
