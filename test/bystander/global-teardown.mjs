/** `npm test` globalTeardown: fails the run when the broker closed the bystander connection. */
import { checkAndCloseBystander, unitOnly } from './bystander.mjs';
import { removeOrphanedDeadLetterQueues } from './dead-letter-leftovers.mjs';

export default async function globalTeardown(config) {
  if (unitOnly(config)) return;
  const { problems, seconds } = await checkAndCloseBystander();
  const removed = await removeOrphanedDeadLetterQueues();
  if (removed > 0)
    console.log(`\nremoved ${removed} dead-letter queue(s) this run declared for queues it deleted`);
  if (problems.length > 0)
    throw new Error(`npm test disturbed another app's connection on the broker: ${problems.join('; ')}`);
  console.log(
    `\nbystander: another app's connection stayed open through the whole run (${seconds} s), never closed by the broker`,
  );
}
