/** A form's refusal, read out when it appears; nothing when there is none. */
export function FormError({ text }: { text: string | undefined }) {
  return text ? (
    <p role="alert" className="error-message">
      {text}
    </p>
  ) : null;
}
