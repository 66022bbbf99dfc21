/**
 * The 'tenants' node component: opens the namespace registry on the node's store, gives later components
 * credentials and quota enforcement through `ctx.tenants`, and contributes the namespace/credential admin
 * routes. Start it after the log and before the MQTT, Kafka and HTTP listeners.
 */
import type { Component, NodeContext } from '../../server/context.js';
import { registerTenantRoutes } from '../../protocol/http/tenants.js';
import { StrataError } from '../../errors.js';
import { Keys } from '../../store/keys.js';
import { NamespaceRegistry } from './registry.js';
import type { QuotaEnforcer, TenantServices } from './types.js';

/** No quotas at all (used until quotas.ts provides the QuotaManager). */
export const NO_QUOTAS: QuotaEnforcer = {
  openConnection: () => () => {},
  admitProduce: () => ({ ok: true }),
  chargeProduce: () => ({ throttleMs: 0 }),
};

export function tenantsComponent(): Component {
  let registry: NamespaceRegistry | undefined;
  return {
    name: 'tenants',
    async start(ctx: NodeContext) {
      if (!ctx.store) throw new StrataError('STRATA_ERR_INTERNAL', 'tenants needs the store component');
      const logger = ctx.logger('tenants');
      const reg = (registry = new NamespaceRegistry({ store: ctx.store, keys: new Keys(), logger, refreshMs: ctx.config.tenantsRefreshInterval }));
      await reg.start();
      // QUOTAS: replaced by `new QuotaManager({ quotasOf, storedBytes, registry: ctx.metrics, logger })` from quotas.ts.
      const quotas: QuotaEnforcer = NO_QUOTAS;
      const services: TenantServices = {
        credential: async (user) => reg.credential(user),
        namespace: (name) => reg.get(name),
        quotas,
      };
      ctx.tenants = services;
      ctx.httpRoutes.push((app) => registerTenantRoutes(app, { registry: reg, log: ctx.log }));
      logger.info({ namespaces: reg.list().length }, 'namespace registry loaded');
    },
    async stop() {
      registry?.close();
    },
  };
}
