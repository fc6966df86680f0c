import { TEST_METRICS_TOKEN, type TestServer } from './harness';

/** One sample of a counter or gauge, read the way Prometheus does: GET /metrics. 0 when absent. */
export async function metricValue(
  s: Pick<TestServer, 'call'>,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const res = await s.call('GET', '/metrics', { token: TEST_METRICS_TOKEN });
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of res.text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w)) && have.length === wanted.length) return Number(m[3]);
  }
  return 0;
}
