/**
 * The few calls of MLflow's Model Registry REST API (/api/2.0/mlflow/…) mltrl makes: read a model's
 * latest version, set a version's tags, and set, read and delete an alias. Plain fetch: the API is
 * small and stable, and MLflow publishes no JavaScript client.
 */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 15_000;

export interface ModelVersion {
  name: string;
  version: number;
  tags: Record<string, string>;
  aliases: string[];
}

interface RawModelVersion {
  name: string;
  version: string;
  tags?: { key: string; value: string }[];
  aliases?: string[];
}

const modelVersionOf = (raw: RawModelVersion): ModelVersion => ({
  name: raw.name,
  version: Number(raw.version),
  tags: Object.fromEntries((raw.tags ?? []).map((t) => [t.key, t.value])),
  aliases: raw.aliases ?? [],
});

export function mlflowRegistry(baseUrl: string) {
  const root = `${baseUrl.replace(/\/+$/, '')}/api/2.0/mlflow`;

  async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: Record<string, unknown>): Promise<T> {
    const query = method === 'GET' && body ? `?${new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
    const response = await fetch(`${root}/${path}${query}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method !== 'GET' && body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) {
      let code: string | undefined;
      let message = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error_code?: string; message?: string };
        code = parsed.error_code;
        message = parsed.message ?? message;
      } catch {
        // Not JSON (a proxy's page): the text as it came.
      }
      throw new MlflowError(`MLflow ${method} ${path}: ${response.status} ${code ?? ''} ${message}`.trim(), response.status, code);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE "… alias … not found", a missing version with RESOURCE_DOES_NOT_EXIST.
  const notFound = (error: unknown) =>
    error instanceof MlflowError && (error.code === 'RESOURCE_DOES_NOT_EXIST' || error.status === 404 || (error.code === 'INVALID_PARAMETER_VALUE' && /not found/i.test(error.message)));

  return {
    call,
    /** The highest-numbered version of a registered model; undefined when it has none or does not exist. */
    async latestVersion(model: string): Promise<ModelVersion | undefined> {
      const answer = await call<{ model_versions?: RawModelVersion[] }>('GET', 'model-versions/search', {
        filter: `name='${model.replace(/'/g, "\\'")}'`,
        order_by: 'version_number DESC',
        max_results: 1,
      });
      const first = answer.model_versions?.[0];
      return first ? modelVersionOf(first) : undefined;
    },
    async modelVersion(model: string, version: number): Promise<ModelVersion | undefined> {
      try {
        const answer = await call<{ model_version: RawModelVersion }>('GET', 'model-versions/get', { name: model, version });
        return modelVersionOf(answer.model_version);
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async setVersionTag(model: string, version: number, key: string, value: string): Promise<void> {
      await call('POST', 'model-versions/set-tag', { name: model, version: String(version), key, value });
    },
    /** The version an alias points at; undefined when the alias is not set. */
    async aliasVersion(model: string, alias: string): Promise<number | undefined> {
      try {
        const answer = await call<{ model_version: RawModelVersion }>('GET', 'registered-models/alias', { name: model, alias });
        return Number(answer.model_version.version);
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async setAlias(model: string, alias: string, version: number): Promise<void> {
      await call('POST', 'registered-models/alias', { name: model, alias, version: String(version) });
    },
    /** Removes an alias; one already gone is not an error (a retry, or someone removed it by hand). */
    async deleteAlias(model: string, alias: string): Promise<void> {
      try {
        await call('DELETE', 'registered-models/alias', { name: model, alias });
      } catch (error) {
        if (!notFound(error)) throw error;
      }
    },
  };
}
export type MlflowRegistry = ReturnType<typeof mlflowRegistry>;
