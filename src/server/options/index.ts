import { CORE_OPTIONS } from './core.js';
import { STORE_OPTIONS } from './store.js';
import { MOUNT_OPTIONS } from './mounts.js';
import { MQTT_OPTIONS } from './mqtt.js';
import { LOG_OPTIONS } from './log.js';
import { KAFKA_OPTIONS } from './kafka.js';
import type { ConfigOf, OptionSpec } from './types.js';

export * from './types.js';

/**
 * Every option Strata knows, in resolution order (a derived default may read options listed before it).
 * Add your area's entries as a new file and one line here; docs/reference/configuration.md must gain a row
 * per entry (`npm run build && node bin/strata.js options` prints the table; test/server/docs.test.ts checks it).
 */
export const OPTIONS = [
  ...CORE_OPTIONS,
  ...STORE_OPTIONS,
  ...MOUNT_OPTIONS,
  ...MQTT_OPTIONS,
  ...LOG_OPTIONS,
  ...KAFKA_OPTIONS,
] as const satisfies readonly OptionSpec[];

/** The resolved configuration: one typed field per option. */
export type StrataConfig = ConfigOf<typeof OPTIONS>;
