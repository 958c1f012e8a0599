import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readDotEnv } from '../../lib/config.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({}, '/srv/bot');
    expect(config.ASSISTANT_NAME).toBe('Baby');
    expect(config.HTTP_PORT).toBe(3000);
    expect(config.TEMPORAL_UI_PORT).toBe(8233);
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.dataDir).toBe('/srv/bot/data');
    expect(config.groupsDir).toBe('/srv/bot/groups');
    expect(config.SANDBOX_IDLE_TIMEOUT).toBe(30 * 60_000);
    expect(config.TEMPORAL_RETENTION).toBe(30 * 86_400_000);
  });

  it('reports every invalid variable at once, with its value and what is expected', () => {
    let error: unknown;
    try {
      loadConfig({
        HTTP_PORT: 'eighty',
        TEMPORAL_ADDRESS: 'no port here',
        CONTAINER_RUNTIME: 'podman',
        SANDBOX_IDLE_TIMEOUT: 'soon',
        TZ: 'Mars/Olympus',
        LOG_LEVEL: 'loud',
        ASSISTANT_NAME: 'two words',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect((error as ConfigError).problems).toHaveLength(7);
    expect(message).toContain('7 problems');
    expect(message).toContain('HTTP_PORT="eighty"');
    expect(message).toContain('TEMPORAL_ADDRESS="no port here" is not valid: expected host:port');
    expect(message).toContain('CONTAINER_RUNTIME="podman"');
    expect(message).toContain('SANDBOX_IDLE_TIMEOUT="soon" is not valid: expected a duration');
    expect(message).toContain('TZ="Mars/Olympus" is not valid: expected an IANA time zone');
    expect(message).toContain('LOG_LEVEL="loud"');
    expect(message).toContain('ASSISTANT_NAME="two words"');
    expect(message).toContain('Set these in the environment or in .env');
    expect(message).not.toMatch(/at .*\.ts:\d+/); // no stack trace in what a person reads
  });

  it('reads .env without overriding the environment', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'env-')), '.env');
    fs.writeFileSync(file, '# comment\nASSISTANT_NAME=Nova\nexport HTTP_PORT="3100"\nLOG_LEVEL=debug\n');
    const env: Record<string, string | undefined> = { LOG_LEVEL: 'warn' };
    readDotEnv(file, env);
    expect(env).toEqual({ ASSISTANT_NAME: 'Nova', HTTP_PORT: '3100', LOG_LEVEL: 'warn' });
  });

  it('`babybot start` with a bad variable prints the list and no stack trace', async () => {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, ['bin/babybot.js', 'start'], {
      env: { ...process.env, HTTP_PORT: '99999', OLLAMA_HOST: 'not a url' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('2 problems');
    expect(result.stderr).toContain('HTTP_PORT="99999"');
    expect(result.stderr).toContain('OLLAMA_HOST="not a url"');
    expect(result.stderr).not.toContain('    at ');
  });
});
