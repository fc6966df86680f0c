import { useEffect, useRef } from 'react';

/**
 * What a change did, said once it is done. Focus moves to it, so a keyboard user who confirmed in a
 * dialog lands on the outcome rather than on a button the change removed.
 */
export function Notice({ text }: { text: string | undefined }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (text !== undefined) ref.current?.focus();
  }, [text]);
  if (text === undefined) return null;
  return (
    <p ref={ref} role="status" tabIndex={-1} className="notice">
      {text}
    </p>
  );
}
