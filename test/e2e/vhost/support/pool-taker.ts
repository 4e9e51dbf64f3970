/**
 * One process of the vhost pool's race (vhost-pool.spec.ts): takes `count` vhosts at once from the
 * pool that E2E_VHOST_REGISTRY and E2E_VHOST_RUN name, and prints them as a JSON array.
 */
import { takeVhost } from '../../../support/vhost/vhost-pool.js';

const count = Number(process.argv[2]);
const taken = await Promise.all(Array.from({ length: count }, () => takeVhost('guest')));
process.stdout.write(JSON.stringify(taken));
