/**
 * The 'tenants' node component: opens the namespace registry on the node's store, gives later components
 * credentials and quota enforcement through `ctx.tenants`, and contributes the namespace/credential admin
 * routes. Start it after the log and before the MQTT, Kafka and HTTP listeners.
 */
import type { Component, NodeContext } from '../../server/context.js';
import { registerTenantRoutes } from '../../protocol/http/tenants.js';
import { StrataError } from '../../errors.js';
import { Keys } from '../../store/keys.js';
import { QuotaManager } from './quotas.js';
import { NamespaceRegistry } from './registry.js';
import type { TenantServices } from './types.js';

export function tenantsComponent(): Component {
  let registry: NamespaceRegistry | undefined;
  return {
    name: 'tenants',
    async start(ctx: NodeContext) {
      if (!ctx.store) throw new StrataError('STRATA_ERR_INTERNAL', 'tenants needs the store component');
      const logger = ctx.logger('tenants');
      const reg = (registry = new NamespaceRegistry({ store: ctx.store, keys: new Keys(), logger, refreshMs: ctx.config.tenantsRefreshInterval }));
      await reg.start();
      // per-namespace quotas (quotas.ts); stored bytes come from the log (0 without one)
      const log = ctx.log;
      const quotas = new QuotaManager({ quotasOf: (ns) => reg.get(ns)?.quotas, storedBytes: (ns) => log?.namespaceBytes(ns) ?? 0, registry: ctx.metrics, logger: ctx.logger('quotas') });
      const services: TenantServices = {
        credential: async (user) => reg.credential(user),
        namespace: (name) => reg.get(name),
        quotas,
        onRevoked: (fn) => reg.onRevoked(fn),
      };
      ctx.tenants = services;
      ctx.httpRoutes.push((app) => registerTenantRoutes(app, { registry: reg, log: ctx.log, usage: (ns) => quotas.usage(ns) }));
      logger.info({ namespaces: reg.list().length }, 'namespace registry loaded');
    },
    async stop() {
      registry?.close();
    },
  };
}
