import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Form } from './Form';

/** A modal <dialog>: focus moves into it, Escape closes it, focus returns to where it was. */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: React.ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const before = document.activeElement as HTMLElement | null;
    dialog?.showModal();
    return () => {
      dialog?.close();
      before?.focus();
    };
  }, []);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose} onCancel={onClose}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

/** A dialog holding one form, with a Cancel button beside it. */
export function FormDialog(props: {
  title: string;
  submit: string;
  onClose: () => void;
  onSubmit: (data: FormData) => Promise<void>;
  children: React.ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <Form label={props.title} submit={props.submit} onSubmit={props.onSubmit}>
        {props.children}
      </Form>
      <button type="button" onClick={props.onClose}>
        {t('people.cancel')}
      </button>
    </Dialog>
  );
}
