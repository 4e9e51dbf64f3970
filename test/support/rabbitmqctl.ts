/** `rabbitmqctl` for the test support: each call boots an Erlang VM (about a second of CPU). */
import { execFile } from 'node:child_process';

/** rabbitmqctl exited non-zero, timed out or could not be started. */
export class RabbitmqctlError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(
      `rabbitmqctl ${args.join(' ')} failed (${exitCode ?? 'killed'}): ${stderr.trim() || '(no output)'}`,
    );
    this.name = 'RabbitmqctlError';
  }
}

/** Runs `rabbitmqctl <args>` and resolves with its stdout. */
export function rabbitmqctl(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const timeout = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    execFile(
      'rabbitmqctl',
      [...args],
      { timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        const code = error.killed ? `timed out after ${timeout} ms` : (error.code ?? null);
        reject(new RabbitmqctlError(args, code, `${stderr}${stdout}`));
      },
    );
  });
}
