/**
 * A slow call: the report takes 20 seconds to build. The query reads TanStack's AbortSignal, so
 * navigating away unmounts the page, TanStack cancels the query, the fetch is aborted, and the
 * handler on the server sees `ctx.signal` abort and stops.
 */
import { useQuery } from '@tanstack/react-query';
import { queries } from './api.js';

const REPORT = { name: 'Quarterly revenue', delayMs: 20_000 };

export function ReportsPage() {
  const report = useQuery({ ...queries.reports.build.queryOptions(REPORT), staleTime: Infinity });
  return (
    <section>
      <h2>Reports</h2>
      {report.isPending ? (
        <p role="status">Building “{REPORT.name}”… Leave this page to cancel it on the server.</p>
      ) : report.isError ? (
        <p className="error">{report.error.code}: {report.error.message}</p>
      ) : (
        <p role="status">{report.data.name}: {report.data.rows} rows, built at {report.data.builtAt}</p>
      )}
    </section>
  );
}
