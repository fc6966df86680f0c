/** A form's outcome under its button: a status when it went well, an alert when it was refused. */
export function FormMessage({
  message,
  testId,
}: {
  message: { kind: 'ok' | 'error'; text: string } | undefined;
  testId?: string;
}) {
  if (!message) return null;
  return (
    <p
      role={message.kind === 'error' ? 'alert' : 'status'}
      className={message.kind === 'error' ? 'error-message' : 'ok'}
      data-testid={testId}
    >
      {message.text}
    </p>
  );
}
