/**
 * Runs a telemetry scenario in a child process (node + tsx): the OpenTelemetry SDK and its
 * instrumentations must be registered before Nest, http or amqplib are loaded, which a Jest module
 * registry does not allow. Returns the JSON lines the scenario printed.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

export interface ScenarioRun {
  lines: Array<Record<string, unknown>>;
  stderr: string;
}

/**
 * Runs a scenario in a child process (tsx, the OpenTelemetry SDK, a Nest app): seconds alone, over
 * 90 s beside CI's other steps on two cores, hence the generous `timeoutMs`.
 */
export function runScenario(file: string, env: Record<string, string>, extraNodeArgs: string[] = [], timeoutMs = 200_000): Promise<ScenarioRun> {
  const script = join(here, '..', 'scenarios', file);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...extraNodeArgs, '--import', 'tsx', script],
      { env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`${file} failed: ${error.message}\n${stderr}\n${stdout.slice(-4000)}`));
          return;
        }
        const lines = stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        resolve({ lines, stderr });
      },
    );
  });
}
