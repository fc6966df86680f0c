import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal <dialog>, open while mounted: focus stays inside, Escape calls `onCancel` (the caller
 * unmounts it), and the till's function keys stand aside while it is open (shortcuts.ts).
 */
export function ModalDialog({
  labelledBy,
  onCancel,
  testId,
  children,
}: {
  labelledBy: string;
  onCancel: () => void;
  testId?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={labelledBy}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      {children}
    </dialog>
  );
}
