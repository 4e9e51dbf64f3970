// The generated lookup tables: method facts by id, ids by name, and the argument and property
// descriptors that tools and tests read (the hot path uses the straight-line functions instead).
import { camel, hex } from './names.mjs';

/** METHOD_INFO, METHOD_ID_BY_NAME, METHOD_FIELDS and BASIC_PROPERTY_FIELDS. */
export function emitTables(out, { spec, methods, resolve }) {
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
}
