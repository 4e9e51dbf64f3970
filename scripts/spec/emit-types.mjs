// The generated types: one interface per method, then the name-keyed maps (decoded arguments and
// encoder input) that the codec's generic signatures are built on.

/** Per-method interfaces, MethodArgs, MethodName, AnyMethod and the encoder input types. */
export function emitTypes(out, { methods }) {
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
}
