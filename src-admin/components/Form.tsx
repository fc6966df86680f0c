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
 * word on this field, tied to the input (aria-invalid, aria-describedby). Uncontrolled with
 * `defaultValue`, or controlled with `value` and `onChange` (which gets the text); `children` go
 * under the input, inside the label (a hint, a live reading of what was typed: name it in
 * `describedBy`).
 */
export function Field(props: {
  label: string;
  name: string;
  type?: string;
  autoComplete?: string;
  defaultValue?: string;
  value?: string;
  onChange?: (value: string) => void;
  optional?: boolean;
  readOnly?: boolean;
  maxLength?: number;
  pattern?: string;
  list?: string;
  inputMode?: 'decimal' | 'numeric';
  /** The id of an element under the input that describes it. */
  describedBy?: string;
  /** The page's own finding that the text is wrong (the server's `error` implies it). */
  invalid?: boolean;
  error?: string | undefined;
  children?: ReactNode;
}) {
  const id = useId();
  const { onChange } = props;
  const describedBy = [props.describedBy, props.error === undefined ? undefined : id]
    .filter(Boolean)
    .join(' ');
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        defaultValue={props.defaultValue}
        value={props.value}
        onChange={onChange && ((e) => onChange(e.target.value))}
        readOnly={props.readOnly}
        maxLength={props.maxLength}
        pattern={props.pattern}
        list={props.list}
        inputMode={props.inputMode}
        required={!props.optional}
        aria-invalid={props.error !== undefined || props.invalid ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.children}
      {props.error !== undefined && (
        <span id={id} className="error field-error">
          {props.error}
        </span>
      )}
    </label>
  );
}

export const text = (data: FormData, name: string) => String(data.get(name) ?? '');
