/** `npm test` globalSetup: opens the bystander connection (see bystander.mjs). */
import { openBystander, unitOnly } from './bystander.mjs';
import { recordQueues } from './dead-letter-leftovers.mjs';

export default async function globalSetup(config) {
  if (unitOnly(config)) return;
  await recordQueues();
  await openBystander(process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
}
