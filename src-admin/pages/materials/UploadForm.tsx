import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { UploadMaterialResponse } from '../../../protocol/http';
import { MAX_MATERIAL_BYTES } from '../../../protocol/http/material-types';
import { ApiError } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { fileSize } from './format';
import { contentTypeOf, isMaterialType, uploadFile } from './upload';

interface Progress {
  sent: number;
  total: number;
}

/**
 * Upload a material (issue #19, item 9): the file and its title, a progress bar fed by the bytes the
 * browser has sent, and the server's refusal in words. A file over the server's limit is refused
 * here with the server's own code, before hundreds of MB travel for nothing.
 */
export function UploadForm({
  csrf,
  onUploaded,
}: {
  csrf: string;
  onUploaded: (uploaded: UploadMaterialResponse) => void;
}) {
  const { t, i18n } = useTranslation();
  const [file, setFile] = useState<File>();
  const [title, setTitle] = useState('');
  const [progress, setProgress] = useState<Progress>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const sentType = file ? contentTypeOf(file) : '';

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    if (!file) return;
    setError(undefined);
    if (file.size > MAX_MATERIAL_BYTES) {
      setError(new ApiError(413, 'PAYLOAD_TOO_LARGE', `A material is at most ${MAX_MATERIAL_BYTES} bytes`));
      return;
    }
    setBusy(true);
    setProgress({ sent: 0, total: file.size });
    uploadFile(file, title.trim() || file.name, csrf, (sent, total) => setProgress({ sent, total }))
      .then((uploaded) => {
        setFile(undefined);
        setTitle('');
        form.reset();
        onUploaded(uploaded);
      })
      .catch((err: unknown) => setError(err))
      .finally(() => setBusy(false));
  };

  const percent = progress && progress.total > 0 ? Math.floor((progress.sent / progress.total) * 100) : 0;
  return (
    <form onSubmit={submit} aria-label={t('materials.upload')} className="panel">
      <h2>{t('materials.upload')}</h2>
      <p className="hint">
        {t('materials.uploadHint', { max: fileSize(MAX_MATERIAL_BYTES, i18n.language) })}
      </p>
      <label className="field">
        <span>{t('materials.file')}</span>
        <input
          type="file"
          name="file"
          required
          accept=".pdf,.epub,.txt,.md,application/pdf,application/epub+zip,text/plain,text/markdown"
          onChange={(e) => {
            const chosen = e.target.files?.[0];
            setFile(chosen);
            setProgress(undefined);
            setError(undefined);
            if (chosen && title === '') setTitle(chosen.name.replace(/\.[^.]+$/, ''));
          }}
        />
      </label>
      <label className="field">
        <span>{t('materials.titleField')}</span>
        <input
          name="title"
          required
          maxLength={500}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
        />
      </label>
      {progress && (
        <div className="upload-progress">
          <progress
            max={progress.total}
            value={progress.sent}
            aria-label={t('materials.progress')}
            data-percent={percent}
          />
          <span data-testid="upload-progress">
            {t(busy ? 'materials.progressSending' : 'materials.progressDone', {
              sent: fileSize(progress.sent, i18n.language),
              total: fileSize(progress.total, i18n.language),
              percent,
            })}
          </span>
        </div>
      )}
      <ErrorNote
        error={error}
        texts={{
          // One code for two refusals: a type we do not take, or bytes that are not the type sent.
          UNSUPPORTED_MEDIA_TYPE: isMaterialType(sentType)
            ? t('materials.bytesMismatch', { type: t(`materials.types.${sentType}`) })
            : t('materials.unsupported'),
          PAYLOAD_TOO_LARGE: t('materials.tooLarge', { max: fileSize(MAX_MATERIAL_BYTES, i18n.language) }),
        }}
      />
      <button type="submit" disabled={busy || !file}>
        {t('materials.uploadSubmit')}
      </button>
    </form>
  );
}
