import { ClientAMQP, ServerAMQP } from 'nestjs-amqp-transport';
import { tlsOptions } from './tls.options.js';

// Point these at your broker and files to try it: AMQP_TLS_URL=amqps://broker.example.com:5671
// AMQP_TLS_CA=ca.pem [AMQP_TLS_CERT=client.pem AMQP_TLS_KEY=client.key] npx tsx docs/snippets/tls/main.ts
const url = process.env.AMQP_TLS_URL;
const ca = process.env.AMQP_TLS_CA;

if (url === undefined || ca === undefined) {
  console.log(
    'AMQP_TLS_URL / AMQP_TLS_CA not set: nothing to connect to (the options are shown in tls.options.ts)',
  );
} else {
  const options = tlsOptions(url, { ca, cert: process.env.AMQP_TLS_CERT, key: process.env.AMQP_TLS_KEY });
  // The same options serve ServerAMQP, ClientAMQP and AmqpModule.forRoot().
  const server = new ServerAMQP({ ...options });
  const client = new ClientAMQP({ ...options });
  const connection = await client.connect();
  console.log(`connected over TLS: ${connection.isOpen}`);
  await client.close();
  await server.close();
}
