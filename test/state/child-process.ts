import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Compile `src/state/sqlite-store.ts`, and every module it imports at run time, to plain ESM under `dir`, so a
 * child `node` process (which cannot load TypeScript) runs the real store. `node_modules` is linked in for
 * better-sqlite3 and zod. Returns the path of the compiled store module.
 */
export function buildStoreForChild(dir: string): string {
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const pending = [join(ROOT, 'src/state/sqlite-store.ts')];
  const done = new Set<string>();
  for (let source = pending.pop(); source !== undefined; source = pending.pop()) {
    if (done.has(source)) continue;
    done.add(source);
    const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: source,
    });
    const target = join(dir, relative(ROOT, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
    for (const [, specifier] of outputText.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      pending.push(resolve(dirname(source), `${specifier ?? ''}.ts`));
    }
  }
  return join(dir, 'src/state/sqlite-store.js');
}

/** Run an ESM script in a child node process whose working directory is `dir`. */
export function runScript(dir: string, name: string, code: string, args: string[]): ChildProcess {
  const file = join(dir, name);
  writeFileSync(file, code);
  return spawn(process.execPath, [file, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first stdout line matching `test`; rejects if the child exits first. */
export function waitForLine(child: ChildProcess, test: (line: string) => boolean): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buffered = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const hit = lines.find(test);
      if (hit !== undefined) resolveLine(hit);
    });
    child.on('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before the line: ${stderr}`)));
  });
}

/** Resolves when the child has exited, with its exit code and signal. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
}
