import { describe, expect, it } from 'vitest';
import { ConfigError, defaultDataDir, embeddedDataPath, loadConfig } from './config';

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const config = loadConfig({ XDG_DATA_HOME: '/xdg' }, 'linux');
    expect(config).toEqual({ port: 8098, host: '127.0.0.1', dataDir: '/xdg/outpost', logLevel: 'info' });
    expect(embeddedDataPath(config)).toBe('/xdg/outpost/server/pgdata');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u:p@db:5432/outpost',
      OUTPOST_DATA_DIR: '/srv/outpost',
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      port: 0,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:5432/outpost',
      dataDir: '/srv/outpost',
      logLevel: 'debug',
    });
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', XDG_DATA_HOME: '/x' }, 'linux');
    expect(config.port).toBe(8098);
    expect(config.databaseUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT: .*"eighty"/],
    [{ PORT: '65536' }, /PORT/],
    [{ LOG_LEVEL: 'chatty' }, /LOG_LEVEL: must be one of/],
    [{ DATABASE_URL: 'mysql://u:hunter2@x/db' }, /DATABASE_URL: must be a postgres/],
  ])('names the variable of a bad value %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a bad DATABASE_URL, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@x/db' })).not.toThrow(/hunter2/);
  });

  it('follows each OS convention for the data dir', () => {
    expect(defaultDataDir({}, 'linux', '/home/a')).toBe('/home/a/.local/share/outpost');
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/a')).toBe(
      '/home/a/.local/share/outpost',
    );
    expect(defaultDataDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/Outpost');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a')).toBe(
      'C:\\Users\\a\\AppData\\Roaming\\Outpost',
    );
  });
});
