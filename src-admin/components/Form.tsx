import { useId, useState, type FormEvent, type ReactNode } from 'react';
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
  errorTexts,
}: {
  onSubmit: (data: FormData) => Promise<void>;
  submit: string;
  children: ReactNode;
  label: string;
  /** This form's own words for some error codes (ErrorNote's `texts`). */
  errorTexts?: Readonly<Record<string, string>>;
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
      <ErrorNote error={error} {...(errorTexts ? { texts: errorTexts } : {})} />
      <button type="submit" disabled={busy}>
        {submit}
      </button>
    </form>
  );
}

/**
 * A labelled input: the label names it for screen readers and for tests. `error` is the server's
 * word on this field, tied to the input (aria-invalid, aria-describedby).
 */
export function Field(props: {
  label: string;
  name: string;
  type?: string;
  autoComplete?: string;
  defaultValue?: string;
  optional?: boolean;
  inputMode?: 'decimal' | 'numeric';
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        defaultValue={props.defaultValue}
        inputMode={props.inputMode}
        required={!props.optional}
        aria-invalid={props.error === undefined ? undefined : true}
        aria-describedby={props.error === undefined ? undefined : id}
      />
      {props.error !== undefined && (
        <span id={id} className="error field-error">
          {props.error}
        </span>
      )}
    </label>
  );
}

export const text = (data: FormData, name: string) => String(data.get(name) ?? '');
