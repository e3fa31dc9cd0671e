/**
 * `npm start`'s switches for MLflow and Alertmanager, without starting either (ports 5000 and 9093
 * stay free): the variables are validated with errors naming them, the secrets are made once under
 * the data folder and kept, configured ones win, and the worker and HTTP server get the matching
 * MLTRL_* settings only for what is switched on.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localIntegrationSecrets, mltrlLoopbackUrl, withLocalIntegrations } from '../../src/local/integrations.js';
import { ConfigError, alertmanagerSettings, loadConfig, mlflowFromConfig } from '../../src/runtime/config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function files() {
  const dir = mkdtempSync(join(tmpdir(), 'mltrl-local-'));
  dirs.push(dir);
  return { mlflow: join(dir, 'mlflow-webhook-secret'), alertmanager: join(dir, 'alertmanager-token') };
}

describe('MLTRL_LOCAL_MLFLOW and MLTRL_LOCAL_ALERTMANAGER', () => {
  it('are off by default: nothing is made and the configuration is the same object content', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ MLTRL_LOCAL_MLFLOW: false, MLTRL_LOCAL_ALERTMANAGER: false });
    const where = files();
    const secrets = localIntegrationSecrets(config, where);
    expect(secrets).toEqual({});
    expect(existsSync(where.mlflow) || existsSync(where.alertmanager)).toBe(false);
    expect(withLocalIntegrations(config, { ...secrets, mlflowUrl: 'http://127.0.0.1:5000' })).toEqual(config);
  });

  it('take 1 or 0 only, and refuse a local MLflow beside MLTRL_MLFLOW_URL, naming the variable', () => {
    expect(() => loadConfig({ MLTRL_LOCAL_MLFLOW: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ MLTRL_LOCAL_MLFLOW: 'yes' })).toThrow(/MLTRL_LOCAL_MLFLOW: must be 1 \(npm start runs it\) or 0/);
    expect(() => loadConfig({ MLTRL_LOCAL_ALERTMANAGER: 'true' })).toThrow(/MLTRL_LOCAL_ALERTMANAGER: must be 1/);
    expect(() => loadConfig({ MLTRL_LOCAL_MLFLOW: '1', MLTRL_MLFLOW_URL: 'http://mlflow.lab.example' })).toThrow(/MLTRL_LOCAL_MLFLOW: cannot be 1 while MLTRL_MLFLOW_URL is set/);
    expect(() => loadConfig({ MLTRL_ALERTMANAGER_URL: 'alertmanager:9093' })).toThrow(/MLTRL_ALERTMANAGER_URL: must be an http/);
    expect(loadConfig({ MLTRL_LOCAL_MLFLOW: '0', MLTRL_MLFLOW_URL: 'http://mlflow.lab.example' }).MLTRL_LOCAL_MLFLOW).toBe(false);
  });

  it('switched on, give the worker and HTTP server the local MLflow, its webhook secret and the Alertmanager token, made once and kept', () => {
    const config = loadConfig({ MLTRL_LOCAL_MLFLOW: '1', MLTRL_LOCAL_ALERTMANAGER: '1', MLTRL_HTTP_PORT: '8280' });
    const where = files();
    const secrets = localIntegrationSecrets(config, where);
    expect(secrets.mlflowWebhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secrets.alertmanagerToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secrets.alertmanagerToken).not.toBe(secrets.mlflowWebhookSecret);
    expect(readFileSync(where.mlflow, 'utf8').trim()).toBe(secrets.mlflowWebhookSecret);
    expect(statSync(where.alertmanager).mode & 0o777).toBe(0o600);
    // A restart reads the same ones: MLflow's stored webhook and Alertmanager's receiver still match.
    expect(localIntegrationSecrets(config, where)).toEqual(secrets);

    const running = withLocalIntegrations(config, { ...secrets, mlflowUrl: 'http://127.0.0.1:5000' });
    expect(running).toMatchObject({ MLTRL_MLFLOW_URL: 'http://127.0.0.1:5000', MLTRL_MLFLOW_WEBHOOK_SECRET: secrets.mlflowWebhookSecret, MLTRL_ALERTMANAGER_TOKEN: secrets.alertmanagerToken });
    expect(mlflowFromConfig(running)).toEqual({ mlflowUrl: 'http://127.0.0.1:5000', publicUrl: 'http://127.0.0.1:8280' });
    expect(alertmanagerSettings(running)).toEqual({ token: secrets.alertmanagerToken, projectLabel: 'project', componentLabel: 'component' });
  });

  it('use the secret and token you configured rather than make their own', () => {
    const config = loadConfig({ MLTRL_LOCAL_MLFLOW: '1', MLTRL_LOCAL_ALERTMANAGER: '1', MLTRL_MLFLOW_WEBHOOK_SECRET: 'my-own-webhook-secret-0123', MLTRL_ALERTMANAGER_TOKEN: 'my-own-alertmanager-token-0123456789' });
    const where = files();
    expect(localIntegrationSecrets(config, where)).toEqual({ mlflowWebhookSecret: 'my-own-webhook-secret-0123', alertmanagerToken: 'my-own-alertmanager-token-0123456789' });
    expect(existsSync(where.mlflow) || existsSync(where.alertmanager)).toBe(false);
  });

  it('only Alertmanager switched on leaves MLflow unset', () => {
    const config = loadConfig({ MLTRL_LOCAL_ALERTMANAGER: '1' });
    const secrets = localIntegrationSecrets(config, files());
    expect(Object.keys(secrets)).toEqual(['alertmanagerToken']);
    const running = withLocalIntegrations(config, secrets);
    expect(running.MLTRL_MLFLOW_URL).toBeUndefined();
    expect(running.MLTRL_MLFLOW_WEBHOOK_SECRET).toBeUndefined();
    expect(running.MLTRL_ALERTMANAGER_TOKEN).toBe(secrets.alertmanagerToken);
  });

  it('MLflow and Alertmanager call mltrl on loopback, whatever address it listens on', () => {
    expect(mltrlLoopbackUrl({ MLTRL_HTTP_HOST: '0.0.0.0' }, 8280)).toBe('http://127.0.0.1:8280');
    expect(mltrlLoopbackUrl({ MLTRL_HTTP_HOST: '127.0.0.1' }, 41000)).toBe('http://127.0.0.1:41000');
    expect(mltrlLoopbackUrl({ MLTRL_HTTP_HOST: '::1' }, 8280)).toBe('http://[::1]:8280');
  });
});
