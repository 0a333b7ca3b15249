/**
 * Lists users and creates them. The list is a query; creating is a mutation whose success
 * invalidates the list's key, so the new user appears through a refetch. Errors stay Accord's
 * typed errors: validation issues go under their fields, auth and conflicts above the form.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { AccordError } from 'accord-rpc/client';
import { api, queries } from './api.js';

/** Demo identities the example server accepts (accord.config.ts); a real app gets a token from its sign-in. */
const IDENTITIES = { 'Signed out': '', 'demo-admin': 'demo-admin', 'demo-reader': 'demo-reader' } as const;
type Identity = keyof typeof IDENTITIES;

const FIELDS = [
  ['givenName', 'Given name'],
  ['familyName', 'Family name'],
  ['email', 'Email'],
] as const;

export function UsersPage() {
  const queryClient = useQueryClient();
  const [identity, setIdentity] = useState<Identity>('demo-admin');
  const token = IDENTITIES[identity];
  const list = useQuery(queries.users.list.queryOptions({ limit: 100 }));
  const create = useMutation({
    ...queries.users.create.mutationOptions({ metadata: token ? { authorization: `Bearer ${token}` } : {} }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queries.users.list.key() }),
  });
  const fieldErrors = issuesByField(create.error);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '');
    create.mutate({ givenName: text('givenName'), familyName: text('familyName'), email: text('email') }, {
      onSuccess: () => (event.target as HTMLFormElement).reset(),
    });
  };

  return (
    <section>
      <h2>Users</h2>
      {list.isPending ? <p>Loading users…</p> : list.isError ? <p className="error">Could not load users: {list.error.message}</p> : (
        <table aria-label="users">
          <thead><tr><th>Name</th><th>Email</th></tr></thead>
          <tbody>
            {list.data.items.map((user) => (
              <tr key={user.id}><td>{user.givenName} {user.familyName}</td><td>{user.email}</td></tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>New user</h3>
      <label>
        Signed in as{' '}
        <select name="identity" value={identity} onChange={(e) => setIdentity(e.target.value as Identity)}>
          {(Object.keys(IDENTITIES) as Identity[]).map((name) => <option key={name}>{name}</option>)}
        </select>
      </label>
      {create.error && !fieldErrors ? <p role="alert" className="error" id="create-error">{describeFailure(create.error)}</p> : null}
      <form onSubmit={submit} aria-label="new user" noValidate>
        {FIELDS.map(([name, label]) => (
          <Field key={name} name={name} label={label} error={fieldErrors?.[name]} />
        ))}
        <button type="submit" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create'}</button>
      </form>
    </section>
  );
}

function Field({ name, label, error }: { name: string; label: string; error: string | undefined }) {
  return (
    <>
      <label htmlFor={name}>{label}</label>
      <input id={name} name={name} aria-invalid={error ? true : undefined} aria-describedby={error ? `${name}-error` : undefined} />
      {error ? <p className="field-error" id={`${name}-error`}>{error}</p> : null}
    </>
  );
}

/** The server's validation issues by field (`email: Invalid email address`), or undefined for any other error. */
function issuesByField(error: AccordError | null): Record<string, string> | undefined {
  if (!api.users.isError(error, 'INVALID_ARGUMENT')) return undefined;
  return Object.fromEntries(error.data.issues.map((issue) => [issue.path, issue.message]));
}

function describeFailure(error: AccordError): string {
  if (api.users.isError(error, 'UNAUTHENTICATED')) return 'Sign in to create users.';
  if (api.users.isError(error, 'PERMISSION_DENIED')) return 'This account may not create users.';
  if (api.users.isError(error, 'ALREADY_EXISTS')) return `A user with ${error.data.email} already exists.`;
  return `Could not create the user (${error.code}): ${error.message}`;
}
