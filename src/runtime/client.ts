/**
 * The one client the CLI, the HTTP API and the tests share: connect, start projects, and reach a
 * component's or project's workflow by its SPEC §5 id. Failures come back as `ClientError` with the
 * workflow's own message (the rule that refused the input), never as a stack of gRPC detail.
 */
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcServiceError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { provenanceRefusal } from '../../activities/provenance.js';
import { ProjectDefinition, policyFloorRefusals, type ProjectDefinitionInput } from '../../machines/model.js';
import { parseInput } from '../../machines/validation.js';
import { WORKFLOW_TYPES, componentWorkflowId, projectWorkflowId } from '../../workflows/definitions.js';
import type { Config } from './config.js';
import { describeSecurity, diagnoseConnection, temporalConnectionOptions, type TemporalSecurity } from './connection.js';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    message: string,
    readonly kind: 'invalid' | 'refused' | 'not-found' | 'conflict' | 'unavailable',
  ) {
    super(message);
  }
}

/**
 * Connects with the configuration's address, TLS and API key (src/runtime/connection.ts). A refused TLS
 * handshake is reported with what to set, since gRPC's own message only says the connection failed.
 */
export async function connect(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & Partial<TemporalSecurity>): Promise<Client> {
  const options = temporalConnectionOptions(config);
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: '3 seconds' });
    return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = await diagnoseConnection(options);
    throw new ClientError(`cannot reach Temporal at ${config.TEMPORAL_ADDRESS} (${describeSecurity(options)}): ${hint === '' ? message : `${message}: ${hint}`}`, 'unavailable');
  }
}

/** Turn what Temporal throws into one clear ClientError. */
export function explain(error: unknown): never {
  if (error instanceof ClientError) throw error;
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    throw new ClientError(error.cause.message, error.cause.type === 'InvalidInput' ? 'invalid' : 'refused');
  }
  if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ClientError(`${error.workflowId} already exists`, 'conflict');
  if (error instanceof WorkflowNotFoundError) {
    const ended = /already completed/i.test(error.message);
    throw new ClientError(ended ? `${error.workflowId} has ended: the component is retired` : `${error.workflowId} not found`, ended ? 'refused' : 'not-found');
  }
  const grpc = grpcFailure(error);
  if (grpc) {
    // Temporal's payload limits (2 MB a payload, 4 MB a message): the input is too big, not the server broken.
    if (/blob data size exceeds limit|larger than max/i.test(grpc.details)) throw new ClientError(`the input is too large for Temporal: ${grpc.details}`, 'invalid');
    if (grpc.code === GRPC_NOT_FOUND) throw new ClientError(grpc.details || 'not found', 'not-found');
    if (GRPC_UNAVAILABLE.has(grpc.code)) throw new ClientError(`Temporal is unavailable: ${grpc.details || 'no answer in time'}`, 'unavailable');
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/not found/i.test(message)) throw new ClientError(message, 'not-found');
  throw error;
}

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
const GRPC_NOT_FOUND = 5;
/** DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (the server sheds load), UNAVAILABLE. */
const GRPC_UNAVAILABLE = new Set([4, 8, 14]);

/** The gRPC status under the SDK's ServiceError (its `cause`), or the error itself. */
function grpcFailure(error: unknown): { code: number; details: string } | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (isGrpcServiceError(e)) return { code: e.code, details: e.details };
  }
  return undefined;
}

export function parseProject(input: unknown): ProjectDefinition {
  return parseInput(ProjectDefinition, input, 'project');
}

export interface ProjectChecks {
  /** The operator's floor for policy durations (MLTRL_MIN_POLICY_INTERVAL); every entry people use passes it. */
  minPolicyInterval?: string;
}

/**
 * Start a project after the checks the workflow cannot make alone: the operator's floor on policy
 * durations, and each adopted or branched component against its source (the project workflow
 * checks that too, for raw clients). A refusal names the field and starts nothing.
 */
export async function startProject(client: Client, taskQueue: string, input: ProjectDefinitionInput | ProjectDefinition, checks: ProjectChecks = {}): Promise<WorkflowHandle> {
  const definition = parseProject(input);
  if (checks.minPolicyInterval) {
    const tooShort = policyFloorRefusals(definition.policy, checks.minPolicyInterval);
    if (tooShort.length > 0) throw new ClientError(`project: ${tooShort.join('; ')}`, 'invalid');
  }
  for (const [index, component] of definition.components.entries()) {
    if (!component.provenance) continue;
    const refusal = await call(() => provenanceRefusal(client, component.provenance!, `components[${index}].provenance`));
    if (refusal) throw new ClientError(`project: ${refusal}`, 'refused');
  }
  try {
    return await client.workflow.start(WORKFLOW_TYPES.project, {
      workflowId: projectWorkflowId(definition.id),
      taskQueue,
      args: [definition],
    });
  } catch (error) {
    explain(error);
  }
}

export const componentHandle = (client: Client, projectId: string, componentId: string) =>
  client.workflow.getHandle(componentWorkflowId(projectId, componentId));

export const projectHandle = (client: Client, projectId: string) => client.workflow.getHandle(projectWorkflowId(projectId));

/** Run a client call and turn its failure into a ClientError. */
export async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    explain(error);
  }
}
