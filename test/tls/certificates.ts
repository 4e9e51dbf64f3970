/**
 * Throwaway certificates for the TLS node, made with `openssl` at test time so no key is ever
 * committed: a CA, a server certificate for localhost / 127.0.0.1 and one client certificate per
 * common name asked for (the CN is what the node logs the client in as with SASL EXTERNAL).
 * EC P-256 keys: quick to generate, and both OpenSSL (node) and Erlang's ssl take them.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of one certificate and its key (PEM). */
export interface KeyPair {
  cert: string;
  key: string;
}

/** Every file the node and the clients need, by role. */
export interface CertificateFiles {
  ca: string;
  server: KeyPair;
  /** One pair per client common name, keyed by that name. */
  clients: Record<string, KeyPair>;
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
// A day is enough: the files live as long as one test run.
const DAYS = '1';

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeout: 30_000 });
}

/** A key and a certificate for `commonName`, signed by the CA, with the given v3 extensions. */
async function signed(dir: string, name: string, commonName: string, extensions: string): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  await openssl(['req', ...KEY_ARGS, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${commonName}`]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-days',
    DAYS,
    '-extfile',
    ext,
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-CAserial',
    join(dir, 'ca.srl'),
    '-out',
    pair.cert,
  ]);
  return pair;
}

/**
 * Writes a CA, a server certificate and one client certificate per name into `dir`.
 * @param clientNames common names of the client certificates (plain words: they go into `-subj`)
 */
export async function makeCertificates(
  dir: string,
  clientNames: readonly string[],
): Promise<CertificateFiles> {
  mkdirSync(dir, { recursive: true });
  const ca = join(dir, 'ca.crt');
  await openssl([
    'req',
    '-x509',
    ...KEY_ARGS,
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    ca,
    '-days',
    DAYS,
    '-subj',
    '/CN=nestjs-amqp-transport test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const server = await signed(
    dir,
    'server',
    'localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  const clients: Record<string, KeyPair> = {};
  for (const name of clientNames) {
    clients[name] = await signed(dir, `client-${name}`, name, 'extendedKeyUsage=clientAuth\n');
  }
  return { ca, server, clients };
}
