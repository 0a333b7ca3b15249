/**
 * A live price from the ticker's server stream (a streamed query over the WebSocket: `data` is
 * every tick so far) and the `alert` events the ticker emits when a published price crosses its
 * threshold. Leaving the page ends both: the query's signal cancels the stream, the effect unsubscribes.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import type { TickerV1Events } from '../../../generated/index.js';
import { api, queries } from './api.js';

const SYMBOL = 'ACME';

export function TickerPage() {
  const ticks = useQuery({
    ...queries.ticker.watch.streamedOptions({ symbol: SYMBOL, count: 10_000, intervalMs: 200 }),
    staleTime: Infinity,
  });
  const latest = ticks.data?.at(-1);
  const [alerts, setAlerts] = useState<Array<TickerV1Events['alert']>>([]);
  // `on` returns the function that unsubscribes: the effect's cleanup.
  useEffect(() => api.ticker.on('alert', (alert) => setAlerts((seen) => [alert, ...seen].slice(0, 20))), []);
  const publish = useMutation(queries.ticker.publish.mutationOptions());

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    publish.mutate({ symbol: SYMBOL, price: Number(form.get('price')), threshold: Number(form.get('threshold')) });
  };

  return (
    <section>
      <h2>{SYMBOL}</h2>
      {ticks.isError ? <p className="error">The stream failed: {ticks.error.message}</p> : null}
      {latest ? (
        <p>
          <span className="price" data-testid="price">{latest.price.toFixed(2)}</span>{' '}
          <span data-testid="tick-count">tick {latest.seq}</span>
        </p>
      ) : <p>Waiting for the first tick…</p>}

      <h3>Alerts</h3>
      <form onSubmit={submit} aria-label="publish a price">
        <label htmlFor="price">Price</label><input id="price" name="price" type="number" defaultValue="200" />
        <label htmlFor="threshold">Alert at</label><input id="threshold" name="threshold" type="number" defaultValue="150" />
        <button type="submit">Publish</button>
      </form>
      {publish.error ? <p className="error">{publish.error.code}: {publish.error.message}</p> : null}
      <ul aria-label="alerts">
        {alerts.map((alert, i) => (
          <li key={i}>{alert.symbol} crossed {alert.threshold} going {alert.direction}: {alert.price}</li>
        ))}
      </ul>
    </section>
  );
}
