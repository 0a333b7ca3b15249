/**
 * Changes to services, methods and events themselves: what exists, how it is reached (route,
 * kind), who may call it (auth), what it declares (errors), whether clients retry it and
 * whether it is deprecated.
 */
import { z } from 'zod';
import { event, service, unary } from 'accord-rpc/contract';
import { methodCase, order, shop, streamingShop, type ChangeCase } from './change-case.js';

const cancel = unary({ input: z.object({ id: z.string() }), output: z.object({}) });
const shipped = event({ data: z.object({ id: z.string() }) });
const outOfStock = { OUT_OF_STOCK: { status: 409, data: z.object({ sku: z.string() }) } };
const shopV2 = service({ name: 'shop', version: 2, methods: { order: unary({ input: z.object({}), output: z.object({}) }) } });

export const CONTRACT_CASES: ChangeCase[] = [
  { name: 'a service version removed', before: [shop(), shopV2], after: [shop()], expected: [['shop.v2.removed', 'breaking']] },
  { name: 'a service version added', before: [shop()], after: [shop(), shopV2], expected: [['shop.v2.added', 'safe']] },
  { name: 'a method removed', before: [shop({}, { methods: { cancel } })], after: [shop()], expected: [['shop.v1.cancel.removed', 'breaking']] },
  { name: 'a method added', before: [shop()], after: [shop({}, { methods: { cancel } })], expected: [['shop.v1.cancel.added', 'safe']] },
  { name: 'an event removed', before: [shop({}, { events: { shipped } })], after: [shop()], expected: [['shop.v1.events.shipped.removed', 'breaking']] },
  { name: 'an event added', before: [shop()], after: [shop({}, { events: { shipped } })], expected: [['shop.v1.events.shipped.added', 'safe']] },
  methodCase('a route removed', { route: 'POST /orders' }, {}, [[order('route-removed'), 'breaking']]),
  methodCase('a route path changed', { route: 'POST /orders' }, { route: 'POST /purchases' }, [[order('route-changed'), 'breaking']]),
  methodCase('a route verb changed', { route: 'POST /orders' }, { route: 'PUT /orders' }, [[order('route-changed'), 'breaking']]),
  methodCase('a route added', {}, { route: 'POST /orders' }, [[order('route-added'), 'safe']]),
  methodCase('auth added', {}, { auth: 'bearer' }, [[order('auth-added'), 'breaking']]),
  methodCase('auth removed', { auth: 'bearer' }, {}, [[order('auth-removed'), 'safe']]),
  methodCase('a scope added', { auth: 'bearer' }, { auth: { scheme: 'bearer', scopes: ['orders:write'] } }, [[order('scope-added:orders:write'), 'breaking']]),
  methodCase('a scope removed', { auth: { scheme: 'bearer', scopes: ['orders:write'] } }, { auth: 'bearer' }, [[order('scope-removed:orders:write'), 'safe']]),
  methodCase('an accepted security scheme dropped', { auth: { scheme: ['bearer', 'key'] } }, { auth: 'bearer' }, [[order('auth-scheme-removed:key'), 'breaking']]),
  methodCase('a security scheme also accepted', { auth: 'bearer' }, { auth: { scheme: ['bearer', 'key'] } }, [[order('auth-scheme-added:key'), 'safe']]),
  {
    name: "a security scheme's header renamed",
    before: [shop({ auth: 'key' })],
    after: [shop({ auth: 'key' }, { securitySchemes: { bearer: { type: 'bearer' }, key: { type: 'apiKey', in: 'header', name: 'x-shop-key' } } })],
    expected: [['shop.v1.security-scheme-changed:key', 'breaking']],
  },
  methodCase('a declared error removed', { errors: outOfStock }, {}, [[order('error-removed:OUT_OF_STOCK'), 'safe']]),
  methodCase('a declared error added', {}, { errors: outOfStock }, [[order('error-added:OUT_OF_STOCK'), 'warning']]),
  methodCase('an error status changed', { errors: outOfStock }, { errors: { OUT_OF_STOCK: { ...outOfStock.OUT_OF_STOCK, status: 422 } } }, [[order('error-status-changed:OUT_OF_STOCK'), 'breaking']]),
  methodCase('idempotent turned off', { idempotent: true }, {}, [[order('idempotent-removed'), 'breaking']]),
  methodCase('idempotent turned on', {}, { idempotent: true }, [[order('idempotent-added'), 'safe']]),
  methodCase('deprecated', {}, { deprecated: true }, [[order('deprecated'), 'info']]),
  methodCase('no longer deprecated', { deprecated: true }, {}, [[order('undeprecated'), 'info']]),
  { name: 'a unary method turned into a stream', before: [shop()], after: [streamingShop()], expected: [[order('kind-changed'), 'breaking']] },
  methodCase(
    'documentation, tags, where it runs and its timeout (nothing a caller sees)',
    {},
    { summary: 'Order', description: 'Places an order', tags: ['sales'], runs: 'inline', timeoutMs: 500 },
    [],
  ),
];
