import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { ConfigError, defaultDataDir, embeddedDataPath, loadConfig, pushOpenThreads } from './config';
import { createPool } from './db/pool';

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const config = loadConfig({ XDG_DATA_HOME: '/xdg' }, 'linux');
    expect(config).toEqual({
      port: 8098,
      host: '127.0.0.1',
      dataDir: '/xdg/outpost',
      logLevel: 'info',
      pushOpenThreads: Math.max(1, availableParallelism() - 1),
      pool: { max: 10, connectionTimeoutMs: 5_000, idleTimeoutMs: 30_000 },
      materialsStore: 'directory',
    });
    expect(embeddedDataPath(config)).toBe('/xdg/outpost/server/pgdata');
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u:p@db:5432/outpost',
      OUTPOST_DATA_DIR: '/srv/outpost',
      LOG_LEVEL: 'debug',
      OUTPOST_PUSH_OPEN_THREADS: '0',
      OUTPOST_DB_POOL_MAX: '40',
      OUTPOST_DB_CONNECT_TIMEOUT_MS: '2000',
      OUTPOST_DB_IDLE_TIMEOUT_MS: '10000',
      OUTPOST_MATERIALS_STORE: 'directory',
    });
    expect(config).toEqual({
      port: 0,
      host: '0.0.0.0',
      databaseUrl: 'postgres://u:p@db:5432/outpost',
      dataDir: '/srv/outpost',
      logLevel: 'debug',
      pushOpenThreads: 0,
      pool: { max: 40, connectionTimeoutMs: 2_000, idleTimeoutMs: 10_000 },
      materialsStore: 'directory',
    });
    // …and the pool is built with them.
    const pool = createPool(config.databaseUrl!, config.pool);
    expect(pool.options).toMatchObject({
      max: 40,
      connectionTimeoutMillis: 2_000,
      idleTimeoutMillis: 10_000,
    });
    void pool.end();
  });

  it('keeps materials where every replica reaches them: the database on DATABASE_URL', () => {
    const url = 'postgres://u:p@db:5432/outpost';
    expect(loadConfig({ DATABASE_URL: url }).materialsStore).toBe('database');
    expect(loadConfig({}).materialsStore).toBe('directory');
    expect(loadConfig({ OUTPOST_MATERIALS_STORE: 'database' }).materialsStore).toBe('database');
    expect(loadConfig({ DATABASE_URL: url, OUTPOST_MATERIALS_STORE: '' }).materialsStore).toBe('database');
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
    [{ OUTPOST_PUSH_OPEN_THREADS: '65' }, /OUTPOST_PUSH_OPEN_THREADS: must be an integer from 0 to 64/],
    [{ OUTPOST_PUSH_OPEN_THREADS: 'two' }, /OUTPOST_PUSH_OPEN_THREADS: .*"two"/],
    [{ OUTPOST_DB_POOL_MAX: '0' }, /OUTPOST_DB_POOL_MAX: must be >= 1/],
    [{ OUTPOST_DB_POOL_MAX: 'lots' }, /OUTPOST_DB_POOL_MAX: must be an integer from 1 to 1000/],
    [{ OUTPOST_DB_CONNECT_TIMEOUT_MS: '5s' }, /OUTPOST_DB_CONNECT_TIMEOUT_MS/],
    [{ OUTPOST_DB_IDLE_TIMEOUT_MS: '99999999' }, /OUTPOST_DB_IDLE_TIMEOUT_MS: must be <= 3600000/],
    [{ OUTPOST_MATERIALS_STORE: 's3' }, /OUTPOST_MATERIALS_STORE: must be one of database, directory .*"s3"/],
  ])('names the variable of a bad value %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('gives the open pool the same thread count, and the same refusal', () => {
    expect(pushOpenThreads({ OUTPOST_PUSH_OPEN_THREADS: '3' })).toBe(3);
    expect(pushOpenThreads({})).toBe(Math.max(1, availableParallelism() - 1));
    expect(() => pushOpenThreads({ OUTPOST_PUSH_OPEN_THREADS: '-1' })).toThrow(ConfigError);
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
