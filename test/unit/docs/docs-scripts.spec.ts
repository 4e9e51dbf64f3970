/**
 * The docs scripts on small fixture checkouts (--root): the snippet checker finds stale and missing
 * blocks, missing files and orphaned snippets, and --write repairs the blocks; the options generator
 * picks up any exported `*Options` type by itself, with its fields' types, defaults and descriptions,
 * and --check notices drift.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scripts = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts');

function run(script: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(scripts, script), ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), out: `${stdout}${stderr}` });
    });
  });
}

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'docs-scripts-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const FILE = "export const a = 1;\n";
const page = (block: string): string => `# Page\n\n<!-- snippet: docs/snippets/t/a.ts -->\n${block}\n\nafter\n`;

describe('scripts/docs-snippets.mjs', () => {
  it('passes when every block equals its file and every file is included', async () => {
    const root = fixture({ 'README.md': '# r\n', 'docs/snippets/t/a.ts': FILE, 'docs/p.md': page('```ts\nexport const a = 1;\n```') });
    try {
      const result = await run('docs-snippets.mjs', ['--check', '--root', root]);
      expect(result).toEqual({ code: 0, out: expect.stringContaining('1 snippet files') });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names a stale block, a missing block, a missing file and an orphan; --write repairs the blocks', async () => {
    const root = fixture({
      'README.md': '# r\n\n<!-- snippet: docs/snippets/t/gone.ts -->\n',
      'docs/snippets/t/a.ts': FILE,
      'docs/snippets/t/orphan.ts': FILE,
      'docs/p.md': page('```ts\nexport const a = 2;\n```'),
      'docs/q.md': '<!-- snippet: docs/snippets/t/a.ts -->\nno block here\n',
    });
    try {
      const check = await run('docs-snippets.mjs', ['--check', '--root', root]);
      expect(check.code).toBe(1);
      expect(check.out).toContain('docs/p.md:3: the block after the marker differs from docs/snippets/t/a.ts');
      expect(check.out).toContain('docs/q.md:1: the block after the marker is missing docs/snippets/t/a.ts');
      expect(check.out).toContain('README.md:3: snippet docs/snippets/t/gone.ts does not exist');
      expect(check.out).toContain('docs/snippets/t/orphan.ts: no page includes it');
      await run('docs-snippets.mjs', ['--write', '--root', root]);
      expect(readFileSync(join(root, 'docs/p.md'), 'utf8')).toBe(page('```ts\nexport const a = 1;\n```'));
      expect(readFileSync(join(root, 'docs/q.md'), 'utf8')).toBe(
        '<!-- snippet: docs/snippets/t/a.ts -->\n```ts\nexport const a = 1;\n```\nno block here\n',
      );
      const again = await run('docs-snippets.mjs', ['--check', '--root', root]);
      expect(again.out).not.toContain('differs');
      expect(again.out).not.toContain('is missing');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('scripts/docs-options.mjs', () => {
  const lib = {
    'lib/index.ts': "export type { WidgetOptions, Part } from './widget.js';\nexport const notAType = 1;\n",
    'lib/widget.ts': [
      '/** A part a widget is made of. */',
      'export interface Part { /** Its name. */ name: string }',
      '/** How a widget is built; see @QueueConsumer for the decorator. */',
      'export interface WidgetOptions {',
      '  /** How many, at most. @default 10 */',
      '  max?: number;',
      '  /** The parts. */',
      "  parts: Part[] | 'none';",
      '}',
      '',
    ].join('\n'),
  };

  it('documents every exported *Options type and the types its fields name, and --check notices drift', async () => {
    const root = fixture(lib);
    try {
      expect((await run('docs-options.mjs', ['--root', root])).code).toBe(0);
      const text = readFileSync(join(root, 'docs/options.md'), 'utf8');
      expect(text).toContain('### WidgetOptions');
      expect(text).toContain('How a widget is built; see @QueueConsumer for the decorator.');
      expect(text).toContain('| `max` | `number` | `10` | How many, at most. |');
      expect(text).toContain("| `parts` (required) | [`Part`](#part)`[] \\| 'none'` |  | The parts. |");
      expect(text).toContain('### Part');
      expect((await run('docs-options.mjs', ['--check', '--root', root])).code).toBe(0);
      writeFileSync(join(root, 'lib/widget.ts'), lib['lib/widget.ts'].replace('@default 10', '@default 20'));
      const drift = await run('docs-options.mjs', ['--check', '--root', root]);
      expect(drift.code).toBe(1);
      expect(drift.out).toContain('docs/options.md is out of date');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 240_000);
});
