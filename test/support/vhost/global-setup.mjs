/** `npm test` globalSetup: the bystander's (test/bystander), then the vhost check's record of vhost `/`. */
import bystanderSetup from '../../bystander/global-setup.mjs';
import { unitOnly } from '../../bystander/bystander.mjs';
import { recordBeforeRun } from './leftovers.mjs';

export default async function globalSetup(config) {
  await bystanderSetup(config);
  if (!unitOnly(config)) await recordBeforeRun();
}
