/**
 * The CLI's connection to Temporal, opened on first use (so bad input is refused before any
 * network I/O), and the one place where a failed call becomes a message about the component or
 * project the user named.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { InputError } from '../../machines/validation.js';
import { ClientError, call, componentHandle, connect, projectHandle } from '../runtime/client.js';
import { loadConfig, type Config } from '../runtime/config.js';
import { formatRef, type ComponentRef } from './args.js';

export class Session {
  private config?: Config;
  private client?: Promise<Client>;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  settings(): Config {
    this.config ??= loadConfig(this.env);
    return this.config;
  }

  connection(): Promise<Client> {
    this.client ??= connect(this.settings());
    return this.client;
  }

  /** Run `fn` against a component's workflow; `what` (the command) prefixes any refusal. */
  async withComponent<T>(ref: ComponentRef, what: string, fn: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
    const client = await this.connection();
    return this.explained(what, `component ${formatRef(ref)}`, () => fn(componentHandle(client, ref.projectId, ref.componentId)));
  }

  async withProject<T>(projectId: string, what: string, fn: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
    const client = await this.connection();
    return this.explained(what, `project ${projectId}`, () => fn(projectHandle(client, projectId)));
  }

  async withClient<T>(what: string, subject: string, fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connection();
    return this.explained(what, subject, () => fn(client));
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    await client?.connection.close();
  }

  private async explained<T>(what: string, subject: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await call(operation);
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      switch (error.kind) {
        case 'invalid':
          throw new InputError(error.message.startsWith(`${what}:`) ? error.message : `${what}: ${error.message}`);
        case 'refused':
        case 'conflict':
          throw new InputError(`${what}: ${error.message}`);
        case 'not-found':
          throw new ClientError(`${what}: ${subject} not found`, 'not-found');
        case 'unavailable':
          throw error;
      }
    }
  }
}
