import WebSocket from 'ws';

/**
 * A second client of the browser host, as a device driver would be: it pushes bytes through the
 * simulators with the demo-only commands. Events reach the page through its own subscription.
 */
export async function demoClient(url: string) {
  const page = new URL(url);
  const ws = new WebSocket(`ws://${page.host}/api?token=${page.searchParams.get('token')}`, {
    origin: page.origin,
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const call = <T>(method: string, input: unknown = {}): Promise<T> => {
    const callId = ++id;
    return new Promise<T>((resolve, reject) => {
      const onMessage = (data: Buffer) => {
        const m = JSON.parse(data.toString()) as {
          id?: number;
          type: string;
          value?: T;
          error?: { code: string };
        };
        if (m.id !== callId) return;
        ws.off('message', onMessage);
        if (m.type === 'result') resolve(m.value as T);
        else reject(new Error(`${method}: ${m.error?.code ?? m.type}`));
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ type: 'call', id: callId, method, input }));
    });
  };
  return { call, close: () => ws.close() };
}
