/** Connection parameters and credentials: where and as whom to connect. */
export { ConnectionParameters } from './connection-parameters.js';
export { URLParameters, parseAmqpUrl } from './url-parameters.js';
export { parametersList, type ParametersInput } from './parameters-list.js';
export { PlainCredentials, ExternalCredentials, type Credentials } from './credentials.js';
export {
  DEFAULTS,
  LIMITS,
  type ConnectionParametersOptions,
  type HeartbeatOption,
  type TcpOptions,
} from './defaults.js';
