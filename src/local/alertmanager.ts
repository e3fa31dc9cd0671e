/**
 * Prometheus Alertmanager, run as a child process on loopback with one webhook receiver: the place
 * alerts about a project's components go, and from which mltrl hears about them (firing and
 * resolved). Single node: clustering (gossip on port 9094) is switched off.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { answersOk, startChildServer } from './childServer.js';
import { executableFrom, portIsFree } from './processes.js';
import { PROJECT_ROOT } from './temporalServer.js';

export const DEFAULT_ALERTMANAGER_PORT = 9093;

/** Where scripts/install-integrations.sh builds the pinned Alertmanager. */
export const BUNDLED_ALERTMANAGER_PATH = join(PROJECT_ROOT, 'tools', 'bin', 'alertmanager');

/** The name of the one receiver in the generated configuration. */
export const WEBHOOK_RECEIVER = 'mltrl';

/** Labels alerts are grouped by: one notification per alert name, project and component. */
export const GROUP_BY = ['alertname', 'project', 'component'] as const;

export interface AlertmanagerRouting {
  /** Where Alertmanager POSTs its webhook notifications. */
  webhookUrl: string;
  /** Wait before the first notification of a new group, to batch alerts. Alertmanager's default 30s. */
  groupWait?: string;
  /**
   * Sent as `Authorization: Bearer <token>` with every notification, so the receiver can tell
   * Alertmanager from anyone else (Alertmanager does not sign its webhooks).
   */
  bearerToken?: string;
  /** Wait before notifying about changes (new or resolved alerts) in a group. Default 5m. */
  groupInterval?: string;
  /** Wait before sending the same still-firing group again. Default 4h. */
  repeatInterval?: string;
}

export interface AlertmanagerOptions extends AlertmanagerRouting {
  /** Port on 127.0.0.1 for the API and UI. Default 9093. */
  port?: number;
  /** The address people reach Alertmanager at, for links in notifications. Default its loopback URL. */
  externalUrl?: string;
  /** Folder for the configuration file and Alertmanager's state (silences, notification log). */
  dataDir: string;
  /** Receives every line Alertmanager prints. */
  log?: (line: string) => void;
  /** How long to wait for /-/ready. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface Alertmanager {
  /** Base URL, e.g. http://127.0.0.1:9093; the API is under /api/v2/. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `$ALERTMANAGER`, else the copy scripts/install-integrations.sh builds in tools/bin. */
export function alertmanagerPath(): string {
  return executableFrom('ALERTMANAGER', BUNDLED_ALERTMANAGER_PATH, 'Alertmanager', 'run scripts/install-integrations.sh');
}

/** Alertmanager's configuration: every alert to one webhook, resolved ones too. */
export function alertmanagerConfig(routing: AlertmanagerRouting) {
  return {
    route: {
      receiver: WEBHOOK_RECEIVER,
      group_by: [...GROUP_BY],
      group_wait: routing.groupWait ?? '30s',
      group_interval: routing.groupInterval ?? '5m',
      repeat_interval: routing.repeatInterval ?? '4h',
    },
    receivers: [
      {
        name: WEBHOOK_RECEIVER,
        webhook_configs: [
          {
            url: routing.webhookUrl,
            send_resolved: true,
            ...(routing.bearerToken === undefined ? {} : { http_config: { authorization: { type: 'Bearer', credentials: routing.bearerToken } } }),
          },
        ],
      },
    ],
  };
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<Alertmanager> {
  const port = options.port ?? DEFAULT_ALERTMANAGER_PORT;
  if (!(await portIsFree(port))) {
    throw new Error(`Cannot start Alertmanager: port ${port} on 127.0.0.1 is already in use (another Alertmanager?)`);
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // JSON is YAML: no YAML library needed to write the configuration.
  const configFile = join(dataDir, 'alertmanager.yml');
  // Readable by its owner only: it may hold the receiver's bearer token.
  writeFileSync(configFile, `${JSON.stringify(alertmanagerConfig(options), null, 2)}\n`, { mode: 0o600 });
  const url = `http://127.0.0.1:${port}`;

  const server = await startChildServer({
    name: 'Alertmanager',
    command: alertmanagerPath(),
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Otherwise the host name, which need not resolve to where Alertmanager listens.
      `--web.external-url=${options.externalUrl ?? url}`,
      // Empty: no cluster, so no gossip port to find free and no peers to wait for.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    ready: () => answersOk(`${url}/-/ready`),
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    log: options.log,
  });
  return { url, pid: server.pid, stop: server.stop };
}
