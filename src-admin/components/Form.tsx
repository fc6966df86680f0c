import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorNote } from './ErrorNote';

/**
 * A form that submits with Enter (a real <form>), disables itself while the request runs and shows
 * the server's refusal under it.
 */
export function Form({
  onSubmit,
  submit,
  children,
  label,
}: {
  onSubmit: (data: FormData) => Promise<void>;
  submit: string;
  children: ReactNode;
  label: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const handle = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    onSubmit(data)
      .catch((err: unknown) => setError(err))
      .finally(() => setBusy(false));
  };
  return (
    <form onSubmit={handle} aria-label={label}>
      {children}
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        {submit}
      </button>
    </form>
  );
}

/** A labelled input: the label names it for screen readers and for tests. */
export function Field(props: { label: string; name: string; type?: string; autoComplete?: string }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input name={props.name} type={props.type ?? 'text'} autoComplete={props.autoComplete} required />
    </label>
  );
}

export const text = (data: FormData, name: string) => String(data.get(name) ?? '');
