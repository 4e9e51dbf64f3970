#!/usr/bin/env node
// The operator's command line: a thin shell over the package's dead-letter operations (dist/esm/bin/dlq-cli.js).
import { createInterface } from 'node:readline/promises';
import { runDlqCli } from '../dist/esm/bin/dlq-cli.js';

const io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  async confirm(question) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  },
};
process.exitCode = await runDlqCli(process.argv.slice(2), io);
