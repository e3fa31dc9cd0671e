/**
 * The whole default stack on one machine (SPEC §6): the Temporal dev server with its SQLite file
 * under data/, and a worker. Prints where to look and how to start the example project; Ctrl-C
 * stops everything.
 */
import { loadConfig, ConfigError } from './config.js';
import { connect } from './client.js';
import { DEFAULT_DB_FILE, DEFAULT_UI_PORT, startDevServer, type DevServer } from './temporalServer.js';
import { createWorker, installProcessLogging } from './worker.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);

async function main(): Promise<void> {
  const config = loadConfig();
  installProcessLogging();
  const [host = 'localhost', portText = '7233'] = config.TEMPORAL_ADDRESS.split(/:(?=\d+$)/);
  let server: DevServer | undefined;
  let uiUrl = `http://localhost:${DEFAULT_UI_PORT}`;
  if (LOCAL_HOSTS.has(host)) {
    console.log(`mltrl: starting the Temporal dev server (state in ${DEFAULT_DB_FILE})…`);
    server = await startDevServer({ port: Number(portText), uiPort: Number(portText) + 1000, dbFile: DEFAULT_DB_FILE, namespace: config.TEMPORAL_NAMESPACE });
    uiUrl = server.uiUrl;
  } else {
    console.log(`mltrl: using the Temporal server at ${config.TEMPORAL_ADDRESS}`);
  }
  const address = server?.address ?? config.TEMPORAL_ADDRESS;
  const client = await connect({ ...config, TEMPORAL_ADDRESS: address });
  const worker = await createWorker({ address, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.MLTRL_TASK_QUEUE, client });

  const stop = () => {
    console.log('\nmltrl: stopping…');
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  console.log(`
mltrl is running.
  Temporal server   ${address}  (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.MLTRL_TASK_QUEUE})
  Temporal UI       ${uiUrl}
  Worker            running in this process

Start the example project, in another terminal:
  npx mltrl project start examples/neuro-copilot.json
  npx mltrl status neuro-copilot

Press Ctrl-C to stop.`);

  try {
    await worker.run();
  } finally {
    await client.connection.close();
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`mltrl: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
