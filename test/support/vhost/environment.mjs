/**
 * The Node test environment, plus one step: after the suite's last afterAll hook (circus's
 * `run_finish`), the suite's own vhost (taken by suite-vhost.ts) is released to be deleted with
 * everything in it (vhost-pool.ts).
 * An afterAll hook of the setup file would run before the suite's own afterAll hooks (circus runs a
 * block's hooks in declaration order), while the suite still has connections open in the vhost.
 */
import { appendFileSync } from 'node:fs';
import { TestEnvironment } from 'jest-environment-node';

/** The test context's global key where suite-vhost.ts leaves the vhost's `dispose`. */
export const DISPOSE_KEY = Symbol.for('nestjs-amqp-transport.suite-vhost.dispose');

/** How many tests a describe block holds, its nested blocks included. */
function countTests(block) {
  return block.children.reduce((n, child) => n + (child.type === 'test' ? 1 : countTests(child)), 0);
}

export default class SuiteVhostEnvironment extends TestEnvironment {
  #testPath;

  constructor(config, context) {
    super(config, context);
    this.#testPath = context.testPath;
  }

  async handleTestEvent(event, state) {
    if (event.name !== 'run_finish') return;
    // the suite's count of tests, beside the record suite-vhost.ts made (registry.ts)
    const registry = this.global.process.env['E2E_VHOST_REGISTRY'];
    if (registry) appendFileSync(registry, `${JSON.stringify({ testPath: this.#testPath, tests: countTests(state.rootDescribeBlock) })}\n`);
    const dispose = this.global[DISPOSE_KEY];
    if (typeof dispose !== 'function') return;
    delete this.global[DISPOSE_KEY];
    // A vhost not released here is a leftover of the run: the globalTeardown fails the run on it.
    await dispose().catch((error) => console.error(`the suite's vhost was not released: ${error?.message ?? error}`));
  }
}
