/** A labelled <select>: the label names it for screen readers and for tests. */
export function SelectField(props: {
  label: string;
  name: string;
  options: readonly { value: string; label: string; disabled?: boolean }[];
  value?: string;
  defaultValue?: string;
  disabled?: boolean;
  onChange?: (value: string) => void;
}) {
  const { label, options, onChange, ...select } = props;
  return (
    <label className="field">
      <span>{label}</span>
      <select {...select} {...(onChange ? { onChange: (e) => onChange(e.target.value) } : {})}>
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
