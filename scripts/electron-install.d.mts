export type HostChoice =
  { host: 'electron'; binary: string; installed: boolean } | { host: 'browser'; reason: string };
export function chooseHost(env?: NodeJS.ProcessEnv): Promise<HostChoice>;
export function fallbackMessage(reason: string): string;
