/** `npm run test:faults` globalTeardown: stops the private node and deletes its directory. */
import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown() {
  const { privateNodeLayout, stopPrivateNode } = await tsImport('./private-node.ts', import.meta.url);
  const node = privateNodeLayout();
  delete process.env['RABBITMQ_NODENAME'];
  const problems = await stopPrivateNode(node);
  if (problems.length > 0) throw new Error(`test:faults cleanup: ${problems.join('; ')}`);
  console.log(`test:faults: ${node.name} stopped and deleted`);
}
