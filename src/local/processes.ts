/** Small facts about local programs and ports, shared by the servers mltrl starts for itself. */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { isAbsolute, resolve } from 'node:path';

export function isExecutableFile(path: string): boolean {
  try {
    return statSync(path).isFile() && (accessSync(path, fsConstants.X_OK), true);
  } catch {
    return false;
  }
}

/**
 * A program's path: the environment variable `variable` when set (it must name an executable
 * file), else `bundled`, the copy the project's install scripts put in tools/.
 */
export function executableFrom(variable: string, bundled: string, what: string, installHint: string): string {
  const fromEnv = process.env[variable];
  if (fromEnv !== undefined && fromEnv !== '') {
    const path = isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv);
    if (isExecutableFile(path)) return path;
    throw new Error(`${variable} is set to ${fromEnv}, which is not an executable file`);
  }
  if (isExecutableFile(bundled)) return bundled;
  throw new Error(`${what} was not found at ${bundled}: ${installHint}, or set ${variable}`);
}

/** Splits a child's output stream into lines, keeping the last `keep` in `tail` for error messages. */
export function collectLines(stream: NodeJS.ReadableStream | null, tail: string[], keep: number, log?: (line: string) => void): void {
  if (stream === null) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > keep) tail.shift();
      log?.(line);
    }
  });
  stream.on('end', () => {
    if (partial !== '') {
      tail.push(partial);
      log?.(partial);
    }
  });
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree(true)));
  });
}

/** Whether something on 127.0.0.1 accepts a connection on `port` (within a second). */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolveConnect(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

/** Resolves true once the child has exited, false if it is still running after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => resolveExit(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}
