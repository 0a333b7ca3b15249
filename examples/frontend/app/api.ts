/**
 * The page's Accord clients and their TanStack Query options. Users and reports go over HTTP
 * (JSON: no MessagePack in this bundle); the ticker goes over one WebSocket, which carries its
 * price stream and its `alert` events.
 */
import { httpClient } from 'accord-rpc/http/client';
import { wsClient } from 'accord-rpc/ws/client';
// `accord-rpc/query` once package.json exports it; relative until then.
import { serviceQueries } from 'accord-rpc/query';
import { TickerV1Client, UsersV2Client } from '../../../generated/index.js';
import { ReportsV1Client } from '../generated/index.js';

const http = httpClient({ url: location.origin });
const live = wsClient({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws` });

export const api = {
  users: new UsersV2Client(http),
  ticker: new TickerV1Client(live),
  reports: new ReportsV1Client(http),
};

export const queries = {
  users: serviceQueries(api.users),
  ticker: serviceQueries(api.ticker),
  reports: serviceQueries(api.reports),
};
