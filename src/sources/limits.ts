/** Largest record kept in memory by default: an NDJSON line, a CSV record, a JSON array element. */
export const DEFAULT_MAX_RECORD_BYTES = 32 * 1024 * 1024;

/** `32 MiB`, `64 KiB`, `100 bytes`. */
export function describeBytes(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
