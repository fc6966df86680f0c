import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { WedgeConfig } from '../../../protocol/api';

const TERMINATORS: readonly WedgeConfig['terminator'][] = ['enter', 'tab', 'ctrl-j', 'ctrl-m'];
const DEFAULT_MIN_LENGTH = 4;
const NONE: WedgeConfig = { prefix: '', suffix: '', terminator: 'enter' };

/**
 * Prefix, suffix and end key of a keyboard-wedge scanner. The parent keys this component by the
 * saved configuration, so the fields start again from what was saved whenever it changes.
 */
export function WedgeFields({
  saved,
  onSave,
}: {
  saved: WedgeConfig | undefined;
  onSave: (wedge: WedgeConfig) => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<WedgeConfig>(saved ?? NONE);
  // The same schema the core checks: nothing invalid is sent, and the field says why.
  const bad = (field: 'prefix' | 'suffix') => !WedgeConfig.shape[field].safeParse(draft[field]).success;
  const badMinLength = !WedgeConfig.shape.minLength.safeParse(draft.minLength).success;
  const invalid = bad('prefix') || bad('suffix') || badMinLength;
  const before = saved ?? NONE;
  const unchanged =
    draft.prefix === before.prefix &&
    draft.suffix === before.suffix &&
    draft.terminator === before.terminator &&
    (draft.minLength ?? DEFAULT_MIN_LENGTH) === (before.minLength ?? DEFAULT_MIN_LENGTH);

  return (
    <fieldset className="row" data-testid="hardware-wedge">
      <legend>{t('hardware.wedge')}</legend>
      <p className="hint">{t('hardware.wedgeHint')}</p>
      {(['prefix', 'suffix'] as const).map((field) => (
        <label key={field}>
          {t(field === 'prefix' ? 'hardware.wedgePrefix' : 'hardware.wedgeSuffix')}
          <input
            value={draft[field]}
            maxLength={8}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={bad(field)}
            onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
          />
        </label>
      ))}
      <label>
        {t('hardware.wedgeTerminator')}
        <select
          value={draft.terminator}
          onChange={(e) => {
            const terminator = TERMINATORS.find((k) => k === e.target.value);
            if (terminator) setDraft({ ...draft, terminator });
          }}
        >
          {TERMINATORS.map((k) => (
            <option key={k} value={k}>
              {t(`hardware.terminator_${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('hardware.wedgeMinLength')}
        <input
          type="number"
          min={1}
          max={64}
          value={draft.minLength ?? DEFAULT_MIN_LENGTH}
          aria-invalid={badMinLength}
          aria-describedby="wedge-min-length-hint"
          onChange={(e) => setDraft({ ...draft, minLength: e.target.valueAsNumber })}
        />
        <small className="hint" id="wedge-min-length-hint">
          {t('hardware.wedgeMinLengthHint')}
        </small>
      </label>
      <button type="button" className="small" disabled={invalid || unchanged} onClick={() => onSave(draft)}>
        {t('hardware.wedgeSave')}
      </button>
      {invalid && (
        <small role="alert" className="error-message">
          {t('hardware.wedgeInvalid')}
        </small>
      )}
    </fieldset>
  );
}
