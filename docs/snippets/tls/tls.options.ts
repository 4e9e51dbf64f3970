import { readFileSync } from 'node:fs';
import { ExternalCredentials, type AmqpConnectionOptions } from 'nestjs-amqp-transport';

/**
 * Connection options for a broker that speaks AMQP over TLS (amqps://, port 5671). With a client
 * certificate, `ExternalCredentials` logs in as the certificate's subject (SASL EXTERNAL; the broker
 * needs the rabbitmq_auth_mechanism_ssl plugin); without one, the URL's user and password are used.
 */
export function tlsOptions(
  url: string,
  files: { ca: string; cert?: string; key?: string },
): AmqpConnectionOptions {
  const clientCertificate = files.cert !== undefined && files.key !== undefined;
  return {
    urls: [url], // amqps://host:5671 turns TLS on
    connectionOptions: {
      sslOptions: {
        ca: readFileSync(files.ca), // the CA that signed the broker's certificate
        ...(clientCertificate ? { cert: readFileSync(files.cert!), key: readFileSync(files.key!) } : {}),
        servername: new URL(url).hostname, // the name the broker's certificate must carry
      },
      ...(clientCertificate ? { credentials: new ExternalCredentials() } : {}),
    },
  };
}
