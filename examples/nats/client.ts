/**
 * The NATS example's client: the generated clients over `natsClient`, against every Accord process
 * on one NATS server. It shows what the processes share, through the standard NATS micro protocol
 * ($SRV.INFO, $SRV.STATS), and calls a few methods: load shared by a queue group, a typed error, a
 * pool method, a stream, and an event emitted in one process reaching a subscriber of all.
 *
 *   npx tsx --conditions=accord-source examples/nats/client.ts [nats-url]     (default nats://127.0.0.1:4222)
 */
import { pathToFileURL } from 'node:url';
import { AccordError } from 'accord-rpc/core';
import { natsClient, type InfoResponse, type StatsResponse } from 'accord-rpc/nats';
import { createClients } from '../../generated/index.js';

/** Every micro service document a discovery request gathers (all processes answer). */
async function discover<T>(transport: ReturnType<typeof natsClient>, subject: string): Promise<T[]> {
  const found: T[] = [];
  for await (const msg of await transport.connection!.requestMany(subject, '', { strategy: 'stall', stall: 200, maxWait: 2_000 })) found.push(msg.json<T>());
  return found;
}

/** Calls math.add on every process of `nodes` between two $SRV.STATS reads: who served how many. */
async function servedBy(transport: ReturnType<typeof natsClient>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const stats of await discover<StatsResponse>(transport, '$SRV.STATS.math')) {
    counts.set(stats.metadata['accord.node'], stats.endpoints.find((e) => e.name === 'add')?.num_requests ?? 0);
  }
  return counts;
}

export async function runNatsExample(url: string, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const transport = natsClient({ servers: url });
  const api = createClients(transport, { metadata: { authorization: 'Bearer demo-admin' } });
  try {
    await transport.connect();
    const infos = await discover<InfoResponse>(transport, '$SRV.INFO');
    const nodes = [...new Set(infos.map((i) => i.metadata['accord.node']))].sort();
    log(`NATS ${url}: ${nodes.length} Accord process(es): ${nodes.join(', ')}`);
    for (const info of infos.sort((a, b) => `${a.name}${a.version}${a.id}`.localeCompare(`${b.name}${b.version}${b.id}`))) {
      log(`  ${info.name}@${info.version} on ${info.metadata['accord.node']}: ${info.endpoints.map((e) => e.subject).join(' ')}`);
    }

    const before = await servedBy(transport);
    const sums = await Promise.all(Array.from({ length: 40 }, (_, i) => api.math.add({ a: i, b: 1 })));
    const after = await servedBy(transport);
    const shares = [...after].sort(([x], [y]) => x.localeCompare(y)).map(([node, n]) => `${node} ${n - (before.get(node) ?? 0)}`).join(', ');
    log(`40 x math.add (sums ${sums[0]!.sum}..${sums[39]!.sum}) shared by the queue group: ${shares}`);

    const byZero = await api.math.divide({ a: 1, b: 0 }).catch((e: unknown) => e);
    if (api.math.isError(byZero, 'DIVISION_BY_ZERO')) log(`math.divide by zero: ${byZero.code}, dividend ${byZero.data.dividend} (typed)`);
    else throw new Error(`expected DIVISION_BY_ZERO, got ${String(byZero)}`);

    log(`math.fib({n:25}) = ${(await api.math.fib({ n: 25 })).value}   (a pool worker of one process)`);

    const ticks: number[] = [];
    for await (const tick of api.ticker.watch({ symbol: 'ACME', count: 3, intervalMs: 20 })) ticks.push(tick.seq);
    log(`ticker.watch: ticks ${ticks.join(', ')} (a stream with credit over NATS)`);

    const alerts: string[] = [];
    const off = api.ticker.on('alert', (a) => alerts.push(`${a.symbol} ${a.direction} ${a.price}`));
    await transport.connection!.flush();
    await api.ticker.publish({ symbol: 'NATS', price: 105, threshold: 100 });
    await new Promise((r) => setTimeout(r, 200));
    off();
    log(`ticker.alert events received: ${alerts.join('; ') || 'none'} (emitted by whichever process ran publish)`);
    if (alerts.length !== 1) throw new Error(`expected exactly one alert, got ${alerts.length}`);

    const user = await api.users.create({ givenName: 'Grace', familyName: 'Hopper', email: `grace.${Date.now()}@example.com` });
    log(`users.create = ${user.id} (each process keeps its own in-memory users; a real deployment uses a database)`);
  } catch (error) {
    if (error instanceof AccordError) log(`failed: ${error.code}: ${error.message}`);
    throw error;
  } finally {
    await transport.close();
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  await runNatsExample(process.argv[2] ?? process.env.ACCORD_NATS_URL ?? 'nats://127.0.0.1:4222');
  process.exit(0);
}
