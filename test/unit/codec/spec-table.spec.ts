/**
 * The generated method table: its banner and the spec's MIT notice, the consistency of its tables,
 * and the generator's drift check.
 *
 * Shape: the regenerate-and-diff needs ../shared/spec (the workspace, CI), which a user's clone
 * does not have. `npm run spec:check` (called by .ci/run) always runs it. Here, when the spec is
 * present, the test runs the same check and also proves the check catches an edited file; when it
 * is absent, it asserts the generator refuses with exit 2 and a clear message. The banner and
 * table-consistency assertions run everywhere.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BASIC_PROPERTY_FIELDS,
  ClassId,
  FRAME_END,
  FRAME_MIN_SIZE,
  HARD_ERROR_CODES,
  METHOD_FIELDS,
  METHOD_ID_BY_NAME,
  METHOD_INFO,
  MethodId,
  ReplyCode,
  SOFT_ERROR_CODES,
} from '../../../lib/protocol/codec/index.js';
import type { MethodName } from '../../../lib/protocol/codec/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const generated = path.join(root, 'lib/protocol/codec/spec.generated.ts');
const generator = path.join(root, 'scripts/generate-spec.mjs');
const specPath = process.env.AMQP_SPEC ?? path.join(root, '../shared/spec/amqp-rabbitmq-0.9.1.json');
const specPresent = existsSync(specPath);

function runGenerator(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [generator, ...args], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const pascal = (s: string): string =>
  s
    .split(/[-.]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

describe('spec.generated.ts', () => {
  const text = readFileSync(generated, 'utf8');

  it('carries the do-not-edit banner and the spec MIT notice', () => {
    expect(text.startsWith('// GENERATED FILE - DO NOT EDIT.')).toBe(true);
    expect(text).toContain('Permission is hereby granted, free of charge, to any person');
    expect(text).toContain('The above copyright notice and this permission notice shall be');
    expect(text).toContain('Copyright (C) 2007-2024 Broadcom Inc.');
  });

  it('has consistent method tables', () => {
    const names = Object.keys(METHOD_ID_BY_NAME) as MethodName[];
    expect(Object.keys(METHOD_INFO)).toHaveLength(names.length);
    for (const name of names) {
      const id = METHOD_ID_BY_NAME[name];
      const info = METHOD_INFO[id]!;
      const [cls] = name.split('.') as [keyof typeof ClassId];
      expect(info.name).toBe(name);
      expect(info.id).toBe(id);
      expect(id).toBe((info.classId << 16) | info.methodId);
      expect(ClassId[cls]).toBe(info.classId);
      expect((MethodId as Record<string, number>)[pascal(name)]).toBe(id);
      expect(METHOD_FIELDS[name]).toBeDefined();
      for (const r of info.responses) {
        expect(METHOD_INFO[r]!.classId).toBe(info.classId);
        expect(info.synchronous).toBe(true);
      }
    }
  });

  it("holds the spec's facts", () => {
    // basic 18, connection 14, channel 6, access 2, exchange 8, queue 10, tx 6, confirm 2
    expect(names()).toHaveLength(66);
    expect(MethodId.BasicPublish).toBe((60 << 16) | 40);
    expect(MethodId.ExchangeUnbindOk).toBe((40 << 16) | 51);
    expect(ReplyCode.NOT_FOUND).toBe(404);
    expect(ReplyCode.UNEXPECTED_FRAME).toBe(505);
    expect([...HARD_ERROR_CODES].sort()).toEqual([320, 402, 501, 502, 503, 504, 505, 506, 530, 540, 541]);
    expect([...SOFT_ERROR_CODES].sort()).toEqual([311, 312, 313, 403, 404, 405, 406]);
    expect(FRAME_MIN_SIZE).toBe(8192);
    expect(FRAME_END).toBe(0xce);
    expect(BASIC_PROPERTY_FIELDS.map((p) => p.name)).toEqual([
      'contentType', 'contentEncoding', 'headers', 'deliveryMode', 'priority', 'correlationId', 'replyTo',
      'expiration', 'messageId', 'timestamp', 'type', 'userId', 'appId', 'clusterId',
    ]); // prettier-ignore
    const content = names().filter((n) => METHOD_INFO[METHOD_ID_BY_NAME[n]]!.hasContent);
    expect(content.sort()).toEqual(['basic.deliver', 'basic.get-ok', 'basic.publish', 'basic.return']);
    expect(METHOD_INFO[MethodId.BasicGet]!.responses).toEqual([MethodId.BasicGetOk, MethodId.BasicGetEmpty]);
    expect(METHOD_INFO[MethodId.QueueDeclare]!.responses).toEqual([MethodId.QueueDeclareOk]);
    expect(METHOD_INFO[MethodId.BasicPublish]!.synchronous).toBe(false);
  });
});

function names(): MethodName[] {
  return Object.keys(METHOD_ID_BY_NAME) as MethodName[];
}

describe('generator drift check', () => {
  it(
    specPresent
      ? 'regenerating from ../shared/spec gives the committed file'
      : 'without ../shared/spec the check refuses with exit 2 (npm run spec:check runs it where the spec exists)',
    () => {
      const r = runGenerator('--check');
      if (specPresent) {
        expect(r.out).toContain('matches the generator');
        expect(r.status).toBe(0);
      } else {
        expect(r.out).toContain('spec file not found');
        expect(r.status).toBe(2);
      }
    },
  );

  it('fails with exit 1 naming the first differing line when the committed file was edited', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spec-check-'));
    try {
      const edited = path.join(dir, 'spec.generated.ts');
      const lines = readFileSync(generated, 'utf8').split('\n');
      lines[120] = '// edited by hand';
      writeFileSync(edited, lines.join('\n'));
      const r = runGenerator('--check', '--out', edited);
      if (specPresent) {
        expect(r.status).toBe(1);
        expect(r.out).toContain('differs from the generator');
        expect(r.out).toContain('line 121');
      } else {
        expect(r.status).toBe(2);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing spec file and exits 2', () => {
    const r = runGenerator('--check', '--spec', path.join(tmpdir(), 'no-such-spec.json'));
    expect(r.status).toBe(2);
    expect(r.out).toContain('spec file not found');
    expect(r.out).toContain('no-such-spec.json');
  });
});
