import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobRecord, MaterialRecord } from '../../../protocol/http';
import { api } from '../../api';

type State = JobRecord['status'];
const settled = (state: State) => state === 'done' || state === 'failed';

/**
 * A material's encryption job, live: asked every second while it is queued or running, then once
 * more (`onSettled`) so the list shows the material ready (or failed, with the job's own error).
 */
export function JobState({ material, onSettled }: { material: MaterialRecord; onSettled: () => void }) {
  const { t } = useTranslation();
  const [job, setJob] = useState<JobRecord>();
  const ready = material.status === 'ready';
  // The page's reload: the material id alone decides what to poll.
  const settledRef = useRef(onSettled);
  settledRef.current = onSettled;

  useEffect(() => {
    if (ready) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      api<JobRecord>('GET', `/api/v1/offline/materials/${material.material_id}/job`).then(
        (next) => {
          if (stopped) return;
          setJob(next);
          if (settled(next.status)) settledRef.current();
          else timer = setTimeout(poll, 1000);
        },
        () => {
          if (!stopped) timer = setTimeout(poll, 3000);
        },
      );
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [material.material_id, ready]);

  const state: State = ready ? 'done' : (job?.status ?? 'queued');
  return (
    <span className={`job job-${state}`} data-testid="job-state" data-state={state}>
      {t(`materials.jobs.${state}`)}
      {job?.error && (
        <small>
          {t(state === 'failed' ? 'materials.jobFailed' : 'materials.jobRetrying', {
            error: job.error,
            count: job.attempts,
          })}
        </small>
      )}
    </span>
  );
}
