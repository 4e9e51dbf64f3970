/** `npm test` globalTeardown: the bystander's check, then the e2e suites' leftovers (leftovers.mjs). Both run; either fails the run. */
import bystanderTeardown from '../../bystander/global-teardown.mjs';
import { unitOnly } from '../../bystander/bystander.mjs';
import { checkAfterRun } from './leftovers.mjs';

export default async function globalTeardown(config) {
  let failure;
  try {
    await bystanderTeardown(config);
  } catch (error) {
    failure = error;
  }
  if (!unitOnly(config)) await checkAfterRun();
  if (failure !== undefined) throw failure;
}
