/**
 * `npm run test:faults` globalSetup: starts the private node and points every helper at it before
 * any suite loads. The suites read AMQP_URL; rabbitmqctl reads RABBITMQ_NODENAME, so
 * `rabbitmqctl stop_app` in a fault test stops the private node, never the shared broker.
 * (Jest loads global setup modules outside its transform's module mapping, hence tsx here.)
 */
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { privateNodeLayout, startPrivateNode } = await tsImport('./private-node.ts', import.meta.url);
  const node = privateNodeLayout();
  const started = Date.now();
  await startPrivateNode(node);
  process.env['AMQP_URL'] = node.url;
  process.env['RABBITMQ_NODENAME'] = node.name;
  console.log(`\ntest:faults: private node ${node.name} on 127.0.0.1:${node.port} (${Date.now() - started} ms)`);
}
