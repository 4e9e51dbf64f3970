/**
 * The import-boundary rule (eslint/layered-imports.js) run through ESLint's own Linter on made-up
 * files: an import that runs up a layer (type imports and re-exports included) is an error naming
 * both layers; an import down or inside a layer is not; siblings kept apart may not import each
 * other, a group may. The last test lints the real lib/protocol layers as configured.
 */
import { describe, expect, it } from '@jest/globals';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import layered, { type LayeredImportsConfig } from '../../../eslint/layered-imports.js';

const CWD = '/repo';

const PROTOCOL: LayeredImportsConfig[] = [
  { root: 'lib', layers: ['protocol', 'transport', 'index.ts'] },
  {
    root: 'lib/protocol',
    layers: [
      'errors/',
      { group: ['errors.ts', 'continuation.ts'] },
      'codec',
      { apart: ['parameters', 'diagnostics.ts'] },
      'io',
      'channel',
      'connection',
    ],
  },
  { root: 'lib/transport', layers: [{ group: ['core', 'options'] }, { apart: ['server', 'client'] }] },
];

function lint(filename: string, code: string, configs: LayeredImportsConfig[] = PROTOCOL): Linter.LintMessage[] {
  const linter = new Linter({ cwd: CWD });
  return linter.verify(
    code,
    [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser as Linter.Parser },
        plugins: { layered },
        rules: { 'layered/imports': ['error', configs] },
      },
    ],
    { filename: `${CWD}/${filename}` },
  );
}

describe('layered/imports', () => {
  it('reports a codec file importing a channel file (a layer above), naming both layers', () => {
    const messages = lint('lib/protocol/codec/frame-parser.ts', "import { Channel } from '../channel/channel.js';\nexport const c = Channel;\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ ruleId: 'layered/imports', severity: 2, line: 1 });
    expect(messages[0]?.message).toContain("'../channel/channel.js' is in layer 'channel', above 'codec'");
  });

  it('counts type imports, export-from, export-star and import() types', () => {
    const code = [
      "import type { Channel } from '../channel/channel.js';",
      "export { Connection } from '../connection/connection.js';",
      "export * from '../io/clock.js';",
      "export type T = import('../channel/channel.js').Channel | Channel;",
    ].join('\n');
    const messages = lint('lib/protocol/codec/frame-parser.ts', code);
    expect(messages.map((m) => m.line)).toEqual([1, 2, 3, 4]);
    expect(messages.every((m) => m.ruleId === 'layered/imports')).toBe(true);
  });

  it('accepts imports down the layers and inside one layer', () => {
    const code = [
      "import { FrameParser } from '../codec/index.js';",
      "import { AMQPError } from '../errors.js';",
      "import type { Clock } from '../io/clock.js';",
      "import { RpcQueue } from './rpc-queue.js';",
      "import { deferred } from '../continuation.js';",
      'export const all = [FrameParser, AMQPError, RpcQueue, deferred] as const;',
      'export type C = Clock;',
    ].join('\n');
    expect(lint('lib/protocol/channel/channel-core.ts', code)).toEqual([]);
  });

  it('tells a folder entry (errors/) from a file entry (errors.ts)', () => {
    expect(lint('lib/protocol/errors.ts', "export * from './errors/base.js';\n")).toEqual([]);
    const up = lint('lib/protocol/errors/base.ts', "export * from '../errors.js';\n");
    expect(up).toHaveLength(1);
    expect(up[0]?.message).toContain("layer 'errors.ts', above 'errors/'");
  });

  it('lets a group import each other, keeps siblings apart', () => {
    expect(lint('lib/protocol/errors.ts', "import { deferred } from './continuation.js';\nexport const d = deferred;\n")).toEqual([]);
    const apart = lint('lib/protocol/diagnostics.ts', "import type { URLParameters } from './parameters/index.js';\nexport type U = URLParameters;\n");
    expect(apart).toHaveLength(1);
    expect(apart[0]?.message).toContain("a sibling that lib/protocol keeps apart from 'diagnostics.ts'");
    expect(lint('lib/transport/options/a.ts', "import { x } from '../core/x.js';\nexport const y = x;\n")).toEqual([]);
    expect(lint('lib/transport/server/a.ts', "import { x } from '../client/x.js';\nexport const y = x;\n")).toHaveLength(1);
  });

  it('keeps lib/protocol from importing lib/transport, and lets lib/index.ts import both', () => {
    const messages = lint('lib/protocol/channel/channel.ts', "import type { AmqpContext } from '../../transport/amqp.context.js';\nexport type A = AmqpContext;\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]?.message).toContain("layer 'transport', above 'protocol'");
    expect(lint('lib/index.ts', "export * from './transport/index.js';\nexport * from './protocol/index.js';\n")).toEqual([]);
  });

  it('leaves package imports, unlisted files and a root without layers alone', () => {
    expect(lint('lib/protocol/codec/a.ts', "import { EventEmitter } from 'node:events';\nexport const e = EventEmitter;\n")).toEqual([]);
    expect(lint('lib/protocol/unlisted.ts', "import { Channel } from './channel/channel.js';\nexport const c = Channel;\n")).toEqual([]);
    const none: LayeredImportsConfig[] = [{ root: 'lib/transport', layers: [] }];
    expect(lint('lib/transport/core/a.ts', "import { x } from '../server/x.js';\nexport const y = x;\n", none)).toEqual([]);
  });

  it("is wired in the project's eslint.config.js: a codec file importing a channel file fails `npm run lint`", async () => {
    const eslint = new ESLint({ cwd: process.cwd() });
    const [wrong] = await eslint.lintText("import type { Channel } from '../channel/channel.js';\nexport type C = Channel;\n", {
      filePath: 'lib/protocol/codec/wrong-way.ts',
    });
    expect(wrong?.messages.map((m) => m.ruleId)).toEqual(['layered/imports']);
    const [right] = await eslint.lintText("import type { FieldTable } from '../codec/index.js';\nexport type F = FieldTable;\n", {
      filePath: 'lib/protocol/channel/right-way.ts',
    });
    expect(right?.messages).toEqual([]);
  });

  it("keeps lib/transport one-way in the project's config: the context cannot import the consumer, server cannot import client", async () => {
    const eslint = new ESLint({ cwd: process.cwd() });
    const cases: Array<[string, string, boolean]> = [
      ['lib/transport/core/wrong-way.ts', "import type { Delivery } from '../consume/delivery.js';\nexport type D = Delivery;\n", true],
      ['lib/transport/server/wrong-way.ts', "import { ClientAMQP } from '../client/client-amqp.js';\nexport const C = ClientAMQP;\n", true],
      ['lib/transport/health/wrong-way.ts', "import type { AmqpConnections } from '../module/amqp-connections.js';\nexport type A = AmqpConnections;\n", true],
      ['lib/transport/consume/right-way.ts', "import { ConfirmPublisher } from '../publish/confirm-publisher.js';\nexport const P = ConfirmPublisher;\n", false],
      ['lib/transport/module/right-way.ts', "import { AmqpHealthIndicator } from '../health/amqp-health.indicator.js';\nexport const H = AmqpHealthIndicator;\n", false],
    ];
    for (const [filePath, code, wrong] of cases) {
      const [result] = await eslint.lintText(code, { filePath });
      expect([filePath, result?.messages.map((m) => m.ruleId)]).toEqual([filePath, wrong ? ['layered/imports'] : []]);
    }
  });
});
