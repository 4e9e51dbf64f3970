/**
 * Keeps the code blocks of the docs equal to the snippet files they show.
 *
 * In docs/**\/*.md and README.md, a marker `<!-- snippet: docs/snippets/<topic>/<file> -->` must be
 * followed (on the next line) by a fenced block whose content is that file byte for byte.
 *
 *   node scripts/docs-snippets.mjs --check   fails naming every stale or missing block, every marker
 *                                             whose file does not exist, and every file under
 *                                             docs/snippets that no page includes
 *   node scripts/docs-snippets.mjs --write   rewrites the blocks from the files (adds missing ones)
 *   --root <dir>                             works on another checkout than this script's
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// --root <dir>: another checkout (the scripts' own tests run them on small fixtures).
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? process.argv[rootArg + 1] : join(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = /^<!-- snippet: (\S+) -->$/;
const FENCE_LANG = { '.ts': 'ts', '.cts': 'ts', '.mts': 'ts', '.js': 'js', '.cjs': 'js', '.mjs': 'js', '.json': 'json', '.sh': 'bash', '.yml': 'yaml', '.yaml': 'yaml' };

function walk(dir, keep) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...walk(path, keep));
    else if (keep(path)) out.push(path);
  }
  return out;
}

const toPosix = (path) => relative(root, path).split(sep).join('/');

function pages() {
  const docs = walk(join(root, 'docs'), (path) => path.endsWith('.md') && !toPosix(path).startsWith('docs/snippets/'));
  return [join(root, 'README.md'), ...docs];
}

/** The fenced block a snippet file is shown as. */
function blockOf(path, content) {
  const lang = FENCE_LANG[extname(path)] ?? '';
  const fence = content.includes('```') ? '````' : '```';
  return `${fence}${lang}\n${content}${content.endsWith('\n') ? '' : '\n'}${fence}`;
}

/**
 * The lines of the fenced block starting at `lines[start]`, or undefined when there is none:
 * [first line index, last line index] (inclusive, fences included).
 */
function blockAt(lines, start) {
  const open = /^(`{3,})\S*$/.exec(lines[start] ?? '');
  if (open === null) return undefined;
  for (let i = start + 1; i < lines.length; i += 1) if (lines[i] === open[1]) return [start, i];
  return undefined;
}

function processPage(page, write, problems, included) {
  const text = readFileSync(page, 'utf8');
  const lines = text.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    out.push(line);
    const marker = MARKER.exec(line);
    if (marker === null) continue;
    const where = `${toPosix(page)}:${i + 1}`;
    const file = join(root, marker[1]);
    if (!existsSync(file)) {
      problems.push(`${where}: snippet ${marker[1]} does not exist`);
      continue;
    }
    included.add(toPosix(file));
    const wanted = blockOf(file, readFileSync(file, 'utf8'));
    const block = blockAt(lines, i + 1);
    const current = block === undefined ? undefined : lines.slice(block[0], block[1] + 1).join('\n');
    if (current !== wanted)
      problems.push(`${where}: the block after the marker ${block === undefined ? 'is missing' : 'differs from'} ${marker[1]}`);
    if (write) {
      out.push(...wanted.split('\n'));
      if (block !== undefined) i = block[1];
    } else if (block !== undefined) {
      out.push(...lines.slice(block[0], block[1] + 1));
      i = block[1];
    }
  }
  const next = out.join('\n');
  if (write && next !== text) writeFileSync(page, next);
}

const mode = process.argv.find((arg) => arg === '--check' || arg === '--write');
if (mode === undefined) {
  console.error('usage: node scripts/docs-snippets.mjs --check | --write [--root <dir>]');
  process.exit(2);
}
const problems = [];
const included = new Set();
const all = pages();
for (const page of all) processPage(page, mode === '--write', problems, included);
const snippets = walk(join(root, 'docs', 'snippets'), () => true).map(toPosix);
const orphans = snippets.filter((path) => !included.has(path));
for (const path of orphans) problems.push(`${path}: no page includes it (add <!-- snippet: ${path} --> to a page)`);

if (mode === '--write') {
  const left = problems.filter((p) => !/differs from|is missing/.test(p));
  for (const p of left) console.error(p);
  console.log(`docs-snippets: ${included.size} snippet files written into ${all.length} pages`);
  process.exit(left.length > 0 ? 1 : 0);
}
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`docs-snippets: ${problems.length} problem(s); run \`node scripts/docs-snippets.mjs --write\` to refresh the blocks`);
  process.exit(1);
}
console.log(`docs-snippets: ${included.size} snippet files in ${all.length} pages, all blocks up to date, none orphaned`);
