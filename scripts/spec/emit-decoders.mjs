// The generated decoders: per method, one straight-line function that bounds-checks and reads each
// argument, plus decodeMethod(), which switches on the class and method id.
import { hex } from './names.mjs';

/** decode<Method>() for every method and decodeMethod(). */
export function emitDecoders(out, { methods }) {
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
}
