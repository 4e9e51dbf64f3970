// The generated encoders: per method, one straight-line function that sizes the whole frame
// exactly, allocates once and writes it (bits packed eight to an octet), plus the table of them.
import { hex } from './names.mjs';

/** encode<Method>() for every method and METHOD_ENCODERS. */
export function emitEncoders(out, { methods }) {
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
}
