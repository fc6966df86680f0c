import { z } from 'zod';
import { IsoDateTime } from './common';

export const HealthFull = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.object({ status: z.enum(['connected', 'unavailable']) }),
  migrations: z.object({ version: z.string().nullable(), applied: z.number().int() }),
  worker: z.object({
    status: z.enum(['running', 'stale', 'not_running']),
    last_heartbeat_at: IsoDateTime.nullable(),
  }),
  server_time: IsoDateTime,
});
export type HealthFull = z.infer<typeof HealthFull>;

export const MetricsText = z.string().describe('Prometheus text exposition format');
