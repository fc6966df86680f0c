import { useTranslation } from 'react-i18next';

export type PrintState =
  { kind: 'printing' | 'printed' | 'already-printed' } | { kind: 'failed'; reason: string };

/** Where a print job stands, in words: a status while it prints or once it did, an alert if it failed. */
export function PrintStatus({ state, testId }: { state: PrintState; testId: string }) {
  const { t } = useTranslation();
  return (
    <p
      role={state.kind === 'failed' ? 'alert' : 'status'}
      className={state.kind === 'failed' ? 'error-message' : 'hint'}
      data-testid={testId}
      data-state={state.kind}
    >
      {state.kind === 'failed'
        ? t('hardware.printFailed', { reason: state.reason })
        : t(
            state.kind === 'printing'
              ? 'hardware.printing'
              : state.kind === 'printed'
                ? 'hardware.printed'
                : 'hardware.alreadyPrinted',
          )}
    </p>
  );
}
