// Reads RabbitMQ's amqp-rabbitmq-0.9.1.json and turns it into the model the emitters walk: every
// method with its resolved argument types and the methods that answer it.
import { existsSync, readFileSync } from 'node:fs';
import { camel, pascal } from './names.mjs';

const AMQP_TYPES = ['bit', 'octet', 'short', 'long', 'longlong', 'shortstr', 'longstr', 'table', 'timestamp'];

/** `{ spec }`, or `{ error }` with the message to print when the file is missing or unreadable. */
export function loadSpec(specPath) {
  if (!existsSync(specPath)) {
    return {
      error:
        `generate-spec: spec file not found: ${specPath}\n` +
        'Pass --spec <path> (or set AMQP_SPEC) to point at amqp-rabbitmq-0.9.1.json.',
    };
  }
  try {
    return { spec: JSON.parse(readFileSync(specPath, 'utf8')) };
  } catch (err) {
    return { error: `generate-spec: cannot read ${specPath}: ${err.message}` };
  }
}

/** The spec plus `methods` (in spec order) and `resolve(arg)`, which follows domains to an AMQP type. */
export function specModel(spec) {
  const domains = new Map(spec.domains.map(([name, type]) => [name, type]));
  const resolve = (arg) => {
    let t = arg.type ?? arg.domain;
    const seen = new Set();
    while (domains.has(t) && domains.get(t) !== t && !seen.has(t)) {
      seen.add(t);
      t = domains.get(t);
    }
    if (!AMQP_TYPES.includes(t)) {
      throw new Error(`unknown AMQP type "${t}" for argument ${arg.name}`);
    }
    return t;
  };

  const methods = [];
  for (const cls of spec.classes) {
    for (const m of cls.methods) {
      const id = (cls.id << 16) | m.id;
      methods.push({
        cls,
        m,
        id,
        name: `${cls.name}.${m.name}`,
        type: pascal(cls.name) + pascal(m.name),
        args: m.arguments.map((a) => ({
          name: a.name,
          field: camel(a.name),
          type: resolve(a),
          def: a['default-value'],
        })),
        synchronous: m.synchronous === true,
        content: m.content === true,
      });
    }
  }
  const byName = new Map(methods.map((x) => [x.name, x]));
  // The JSON has no <response> elements: a synchronous request is answered by "<name>-ok" of its class,
  // and basic.get may also be answered by basic.get-empty (the XML spec's second <response>).
  for (const x of methods) {
    x.responses = [];
    if (!x.synchronous) continue;
    const ok = byName.get(`${x.name}-ok`);
    if (ok) x.responses.push(ok.id);
    if (x.name === 'basic.get') x.responses.push(byName.get('basic.get-empty').id);
  }
  return { spec, methods, resolve };
}
