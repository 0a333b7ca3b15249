/**
 * The example's three pages behind hash links. Leaving a page unmounts it, so its queries lose
 * their last observer and TanStack Query cancels them: the slow report stops on the server.
 */
import { useSyncExternalStore } from 'react';
import { ReportsPage } from './ReportsPage.js';
import { TickerPage } from './TickerPage.js';
import { UsersPage } from './UsersPage.js';

const PAGES = { '#/users': 'Users', '#/ticker': 'Ticker', '#/reports': 'Reports' } as const;
type Route = keyof typeof PAGES;

function subscribe(onChange: () => void): () => void {
  addEventListener('hashchange', onChange);
  return () => removeEventListener('hashchange', onChange);
}

function currentRoute(): Route {
  return location.hash in PAGES ? (location.hash as Route) : '#/users';
}

export function App() {
  const route = useSyncExternalStore(subscribe, currentRoute);
  return (
    <>
      <h1>Accord + TanStack Query</h1>
      <nav>
        {(Object.keys(PAGES) as Route[]).map((href) => (
          <a key={href} href={href} aria-current={route === href ? 'page' : undefined}>{PAGES[href]}</a>
        ))}
      </nav>
      {route === '#/users' ? <UsersPage /> : route === '#/ticker' ? <TickerPage /> : <ReportsPage />}
    </>
  );
}
