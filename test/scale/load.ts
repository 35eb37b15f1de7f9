import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/*
 * Artificial CPU load for the scale tests: threads that spin without pause, one per core by default. Nothing here
 * may import vitest (the benchmark may use it).
 */

export interface CpuLoad {
  readonly threads: number;
  readonly nice: number;
  stop(): Promise<void>;
}

/**
 * The niceness of the load, and of the clients a test runs under it (`spawnCli`'s `nice`): they compete for every
 * core on equal terms, while the sandbox, which stands in for a provider on another machine and counts the requests
 * on its own clock, keeps the default and is disturbed as little as this machine allows. Raising a niceness needs no
 * privilege.
 */
export const LOAD_NICE = 10;

/** Starts `threads` spinning worker threads in this process, each at niceness `nice`; `stop()` terminates them. */
export async function burnCpu(threads = availableParallelism(), nice = LOAD_NICE): Promise<CpuLoad> {
  // Linux sets a niceness per thread: each worker sets its own (os.setPriority with no pid: the calling thread).
  const spin = `require('node:os').setPriority(${Math.trunc(nice)}); for (;;) {}`;
  const workers = Array.from({ length: threads }, () => new Worker(spin, { eval: true }));
  // Spinning once each is online, so the load is there before the measured run starts.
  await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => worker.once('online', resolve).once('error', reject))));
  return {
    threads,
    nice,
    async stop() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
